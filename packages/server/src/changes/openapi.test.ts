import { describe } from 'vitest';
import { itDocuments, servedOpenApiDocument } from '../testing/openapi.js';

const v1 = ['400', '401', '403', '429'];
const routes = [
  { method: 'get', path: '/v1/changes', statuses: ['200', ...v1, '410'], codes: ['cursor_expired', 'validation_failed'] },
  { method: 'get', path: '/v1/changes/stream', statuses: ['200', ...v1, '410'], codes: ['cursor_expired', 'access_token_missing'] },
];

describe('OpenAPI document: changes', () => {
  itDocuments(routes, servedOpenApiDocument());
});
