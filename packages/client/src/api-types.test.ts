import { expect, it } from 'vitest';
import { apiTypes, committedApiTypes, servedDocument } from './testing/api-types.js';

it('has committed types generated from the OpenAPI document the server serves now', async () => {
  const fresh = await apiTypes(await servedDocument());
  // On failure: the API changed; run `npm run generate -w @shoebox/client` and commit src/generated/openapi.ts.
  expect(committedApiTypes() === fresh, 'src/generated/openapi.ts is out of date: npm run generate -w @shoebox/client').toBe(true);
});
