import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { expectProblem, identitySnapshot, me, passwordLogin, postJson, ROOMY_PLAN, signUp } from '../testing/identity.js';

/** The parts of a refusal a client can observe, minus what differs per request. */
const observable = async (response: Response) => {
  const { instance: _instance, ...body } = await json(response);
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !['date', 'x-request-id', 'ratelimit-remaining', 'ratelimit-reset'].includes(name)),
  );
  return { status: response.status, headers, body };
};

describe.each(engines)('password accounts ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    // A high address limit: this suite fails on purpose many times from one address.
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_LOGIN_FAILURES_PER_ADDRESS: '1000' } });
  });
  afterAll(() => server.stop());

  it('signs up an authenticated identity and logs in with the email in any case', async () => {
    const account = await signUp(server, 'Ada@Example.COM', 'correct horse');
    expect(account).toMatchObject({ tokenType: 'Bearer', mergedFrom: null });
    const view = await json(await me(server, account.accessToken));
    expect(view).toMatchObject({ kind: 'authenticated', logins: [{ provider: 'password', subject: 'ada@example.com' }] });
    const response = await passwordLogin(server, 'ADA@example.com', 'correct horse');
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ identityId: account.identityId, mergedFrom: null });
  });

  it('accepts a password typed in another Unicode form of the same characters', async () => {
    await signUp(server, 'unicode@example.com', 'caf\u00e9 au lait');
    expect((await passwordLogin(server, 'unicode@example.com', 'cafe\u0301 au lait')).status).toBe(200);
  });

  it('accepts passwords of exactly 8 and 256 characters', async () => {
    await signUp(server, 'eight@example.com', '12345678');
    await signUp(server, 'long@example.com', 'p'.repeat(256));
    expect((await passwordLogin(server, 'long@example.com', 'p'.repeat(256))).status).toBe(200);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    await signUp(server, 'known@example.com', 'correct horse');
    const wrong = await observable(await passwordLogin(server, 'known@example.com', 'wrong horse'));
    const unknown = await observable(await passwordLogin(server, 'nobody@example.com', 'wrong horse'));
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ status: 401, body: { code: 'invalid_credentials' } });
  });

  it('refuses a second account with the same email, whatever its case, and changes nothing', async () => {
    await signUp(server, 'taken@example.com', 'correct horse');
    const before = await identitySnapshot(server);
    await expectProblem(
      await postJson(server, '/v1/accounts', { email: 'TAKEN@example.com', password: 'other password' }),
      409,
      'email_taken',
    );
    expect(await identitySnapshot(server)).toEqual(before);
    expect((await passwordLogin(server, 'taken@example.com', 'correct horse')).status).toBe(200);
  });

  it.each([
    { name: 'a 7-character password', body: { email: 'a@example.com', password: '1234567' } },
    { name: 'a 257-character password', body: { email: 'a@example.com', password: 'p'.repeat(257) } },
    { name: 'an invalid email', body: { email: 'not-an-email', password: 'correct horse' } },
    { name: 'an overlong email', body: { email: `${'a'.repeat(250)}@example.com`, password: 'correct horse' } },
    { name: 'no email', body: { password: 'correct horse' } },
    { name: 'no password', body: { email: 'a@example.com' } },
    { name: 'a numeric password', body: { email: 'a@example.com', password: 12345678 } },
    { name: 'an unknown field', body: { email: 'a@example.com', password: 'correct horse', admin: true } },
  ])('refuses a sign-up with $name (400) and changes nothing', async ({ body }) => {
    const before = await identitySnapshot(server);
    await expectProblem(await postJson(server, '/v1/accounts', body), 400, 'validation_failed');
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it.each([
    { name: 'password without a password', body: { provider: 'password', email: 'a@example.com' }, status: 400, code: 'validation_failed' },
    { name: 'password without an email', body: { provider: 'password', password: 'x' }, status: 400, code: 'validation_failed' },
    {
      name: 'password with an idToken',
      body: { provider: 'password', email: 'a@example.com', password: 'x', idToken: 'e.e.e' },
      status: 400,
      code: 'validation_failed',
    },
    { name: 'an unknown provider', body: { provider: 'myspace', idToken: 'e.e.e' }, status: 400, code: 'provider_unknown' },
    {
      name: 'the developer provider (admin API only)',
      body: { provider: 'developer', idToken: 'e.e.e' },
      status: 400,
      code: 'provider_unknown',
    },
    {
      name: 'a provider name with capitals',
      body: { provider: 'Password', email: 'a@example.com', password: 'x' },
      status: 400,
      code: 'validation_failed',
    },
    { name: 'no provider', body: { email: 'a@example.com', password: 'x' }, status: 400, code: 'validation_failed' },
    {
      name: 'a 257-character password',
      body: { provider: 'password', email: 'a@example.com', password: 'p'.repeat(257) },
      status: 400,
      code: 'validation_failed',
    },
  ])('refuses a login with $name ($status $code) and changes nothing', async ({ body, status, code }) => {
    const before = await identitySnapshot(server);
    await expectProblem(await postJson(server, '/v1/identities/login', body), status, code);
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it('refuses a malformed JSON body', async () => {
    const response = await server.v1('/v1/accounts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    await expectProblem(response, 400, 'malformed_body');
  });
});

describe('failed-login throttling', () => {
  let server: TestServer;
  afterAll(() => server?.stop());

  it('locks one email out after 5 failures, even for the right password, and leaves other emails alone', async () => {
    server = await startTestServer({ env: ROOMY_PLAN });
    await signUp(server, 'target@example.com', 'correct horse');
    await signUp(server, 'bystander@example.com', 'correct horse');
    for (let i = 0; i < 5; i++)
      await expectProblem(await passwordLogin(server, 'target@example.com', `guess ${i}`), 401, 'invalid_credentials');
    const locked = await passwordLogin(server, 'Target@example.com', 'correct horse');
    const body = await expectProblem(locked, 429, 'login_throttled');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(body.retryAfterSeconds).toBe(Number(locked.headers.get('retry-after')));
    expect((await passwordLogin(server, 'bystander@example.com', 'correct horse')).status).toBe(200);
    await server.stop();
  });

  it('counts an email from zero again after a successful login', async () => {
    server = await startTestServer({ env: ROOMY_PLAN });
    await signUp(server, 'forgetful@example.com', 'correct horse');
    for (let i = 0; i < 4; i++) await passwordLogin(server, 'forgetful@example.com', 'wrong');
    expect((await passwordLogin(server, 'forgetful@example.com', 'correct horse')).status).toBe(200);
    for (let i = 0; i < 4; i++)
      await expectProblem(await passwordLogin(server, 'forgetful@example.com', 'wrong'), 401, 'invalid_credentials');
    await server.stop();
  });

  it('locks out a client address that fails across many emails', async () => {
    server = await startTestServer({ env: { ...ROOMY_PLAN, SHOEBOX_LOGIN_FAILURES_PER_ADDRESS: '3' } });
    await signUp(server, 'real@example.com', 'correct horse');
    for (let i = 0; i < 3; i++)
      await expectProblem(await passwordLogin(server, `spray${i}@example.com`, 'password1'), 401, 'invalid_credentials');
    await expectProblem(await passwordLogin(server, 'real@example.com', 'correct horse'), 429, 'login_throttled');
    await server.stop();
  });
});
