import { describe, expect, it } from 'vitest';
import { itDocuments, resolved, servedOpenApiDocument } from '../testing/openapi.js';
import { IDENTITY_PROBLEM_CODES } from './bearer-problems.js';

/** Each identity route, the statuses it documents and problem codes its documentation must name. */
const v1 = ['400', '401', '403', '429'];
const body = ['400', '413', '415'];
const admin = ['401', '403'];
const routes = [
  { method: 'post', path: '/v1/identities', statuses: ['201', ...v1], codes: ['api_key_missing', 'rate_limited'] },
  {
    method: 'post',
    path: '/v1/identities/refresh',
    statuses: ['200', ...v1, ...body],
    codes: ['refresh_token_reused', 'refresh_token_revoked', 'refresh_token_expired', 'refresh_token_is_access_token', 'identity_disabled'],
  },
  {
    method: 'post',
    path: '/v1/accounts',
    statuses: ['201', ...v1, ...body, '409'],
    codes: ['email_taken', 'validation_failed', 'access_token_expired', 'reauthentication_required'],
  },
  {
    method: 'post',
    path: '/v1/identities/login',
    statuses: ['200', ...v1, ...body, '409', '503'],
    codes: [
      'invalid_credentials',
      'login_throttled',
      'login_taken',
      'reauthentication_required',
      'id_token_expired',
      'id_token_unsigned',
      'id_token_nonce_invalid',
      'provider_unknown',
      'oidc_provider_unavailable',
    ],
  },
  {
    method: 'get',
    path: '/v1/identities/me',
    statuses: ['200', ...v1],
    codes: ['api_key_missing', ...IDENTITY_PROBLEM_CODES],
  },
  { method: 'delete', path: '/v1/identities/me', statuses: ['204', ...v1], codes: ['session_revoked', 'identity_disabled'] },
  { method: 'post', path: '/v1/identities/logout', statuses: ['204', ...v1], codes: ['access_token_expired'] },
  {
    method: 'post',
    path: '/admin/identities/login',
    statuses: ['200', ...admin, ...body, '404', '409'],
    codes: ['admin_token_required', 'login_taken'],
  },
  { method: 'get', path: '/admin/identities', statuses: ['200', ...admin, '400'], codes: ['validation_failed'] },
  { method: 'get', path: '/admin/identities/{id}', statuses: ['200', ...admin, '404'], codes: ['not_found'] },
  { method: 'post', path: '/admin/identities/{id}/disable', statuses: ['200', ...admin, '404'], codes: ['not_found'] },
  { method: 'post', path: '/admin/identities/{id}/enable', statuses: ['200', ...admin, '404'], codes: ['not_found'] },
  { method: 'get', path: '/.well-known/jwks.json', statuses: ['200'], codes: [] },
];

describe('OpenAPI document of the identity routes', () => {
  const document = servedOpenApiDocument();
  itDocuments(routes, document);

  it('states the bounds of passwords and the identity bearer scheme', () => {
    const signUp = resolved(document(), document().paths['/v1/accounts'].post.requestBody.content['application/json'].schema);
    expect(signUp.properties.password).toMatchObject({ minLength: 8, maxLength: 256 });
    expect(document().components.securitySchemes.identityToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document().paths['/v1/identities/me'].get.security).toEqual([{ apiKey: [], identityToken: [] }]);
  });
});
