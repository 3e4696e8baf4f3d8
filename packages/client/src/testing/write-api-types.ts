import { writeFileSync } from 'node:fs';
import { API_TYPES_FILE, apiTypes, servedDocument } from './api-types.js';

// `npm run generate -w @shoebox/client`: regenerates src/generated/openapi.ts after the API changed.
writeFileSync(API_TYPES_FILE, await apiTypes(await servedDocument()));
console.log(`wrote ${API_TYPES_FILE}`);
