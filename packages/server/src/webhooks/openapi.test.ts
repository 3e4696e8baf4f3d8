import { describe } from 'vitest';
import { itDocuments, servedOpenApiDocument } from '../testing/openapi.js';

/** Each webhook admin route, the statuses it documents and problem codes its documentation must name. */
const admin = ['401', '403'];
const routes = [
  { method: 'post', path: '/admin/webhooks', statuses: ['201', '400', ...admin, '409'], codes: ['validation_failed', 'conflict'] },
  { method: 'get', path: '/admin/webhooks', statuses: ['200', ...admin], codes: ['admin_token_required'] },
  { method: 'get', path: '/admin/webhooks/{id}', statuses: ['200', '400', ...admin, '404'], codes: ['not_found'] },
  { method: 'patch', path: '/admin/webhooks/{id}', statuses: ['200', '400', ...admin, '404'], codes: ['validation_failed', 'not_found'] },
  { method: 'delete', path: '/admin/webhooks/{id}', statuses: ['204', '400', ...admin, '404'], codes: ['not_found'] },
  { method: 'post', path: '/admin/webhooks/{id}/rotate-secret', statuses: ['200', '400', ...admin, '404'], codes: ['not_found'] },
  { method: 'get', path: '/admin/webhooks/{id}/deliveries', statuses: ['200', '400', ...admin, '404'], codes: ['validation_failed'] },
  { method: 'post', path: '/admin/webhooks/{id}/deliveries/redrive', statuses: ['200', '400', ...admin, '404'], codes: ['not_found'] },
  {
    method: 'post',
    path: '/admin/webhooks/{id}/deliveries/{deliveryId}/redrive',
    statuses: ['200', '400', ...admin, '404'],
    codes: ['not_found'],
  },
];

describe('OpenAPI document: webhooks', () => {
  itDocuments(routes, servedOpenApiDocument());
});
