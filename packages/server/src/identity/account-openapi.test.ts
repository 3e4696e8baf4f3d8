import { describe, expect, it } from 'vitest';
import { itDocuments, servedOpenApiDocument } from '../testing/openapi.js';

/** Each account route, the statuses it documents and problem codes its documentation must name. */
const v1 = ['400', '401', '403', '429'];
const body = ['400', '413', '415'];
const routes = [
  {
    method: 'post',
    path: '/v1/accounts/verify',
    statuses: ['200', ...v1, ...body],
    codes: ['account_token_invalid', 'account_token_expired'],
  },
  {
    method: 'post',
    path: '/v1/accounts/verify/resend',
    statuses: ['202', ...v1, '409', '503'],
    codes: ['mail_throttled', 'mail_not_configured'],
  },
  {
    method: 'post',
    path: '/v1/accounts/password-reset',
    statuses: ['202', ...v1, ...body, '503'],
    codes: ['mail_throttled', 'mail_not_configured'],
  },
  {
    method: 'post',
    path: '/v1/accounts/password-reset/confirm',
    statuses: ['204', ...v1, ...body],
    codes: ['account_token_invalid', 'account_token_expired'],
  },
  {
    method: 'post',
    path: '/v1/accounts/password',
    statuses: ['204', ...v1, ...body, '409'],
    codes: ['invalid_credentials', 'login_throttled'],
  },
  {
    method: 'post',
    path: '/v1/accounts/email',
    statuses: ['202', ...v1, ...body, '409', '503'],
    codes: ['email_taken', 'mail_throttled', 'mail_not_configured', 'invalid_credentials'],
  },
  {
    method: 'post',
    path: '/v1/accounts/email/confirm',
    statuses: ['200', ...v1, ...body, '409'],
    codes: ['account_token_invalid', 'email_taken'],
  },
  { method: 'post', path: '/v1/accounts/mfa/totp', statuses: ['201', ...v1, '409'], codes: ['conflict'] },
  {
    method: 'post',
    path: '/v1/accounts/mfa/totp/confirm',
    statuses: ['200', ...v1, ...body, '409'],
    codes: ['mfa_code_invalid', 'login_throttled'],
  },
  { method: 'post', path: '/v1/accounts/mfa/totp/disable', statuses: ['204', ...v1, ...body, '409'], codes: ['mfa_code_invalid'] },
  {
    method: 'post',
    path: '/v1/identities/login/mfa',
    statuses: ['200', ...v1, ...body, '409'],
    codes: ['mfa_token_invalid', 'mfa_code_invalid', 'login_throttled'],
  },
  { method: 'delete', path: '/admin/identities/{id}', statuses: ['204', '401', '403', '404'], codes: ['not_found'] },
  { method: 'post', path: '/admin/identities/{id}/password-reset', statuses: ['200', '401', '403', '404', '409'], codes: ['conflict'] },
  { method: 'post', path: '/admin/identities/{id}/mfa/reset', statuses: ['200', '401', '403', '404'], codes: ['not_found'] },
];

describe('OpenAPI document of the account routes', () => {
  const document = servedOpenApiDocument();
  itDocuments(routes, document);

  it('states the bounds of tokens and new passwords', () => {
    const confirm = document().paths['/v1/accounts/password-reset/confirm'].post.requestBody.content['application/json'].schema;
    expect(confirm.properties.newPassword).toMatchObject({ minLength: 8, maxLength: 256 });
    expect(confirm.properties.token).toMatchObject({ maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
    const list = document().paths['/admin/identities'].get.parameters;
    expect(list.find((parameter: { name: string }) => parameter.name === 'email')).toMatchObject({ in: 'query' });
  });
});
