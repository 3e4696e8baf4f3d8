import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { TestClock } from '../testing/clock.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import {
  asIdentity,
  createGuest,
  expectProblem,
  identitySnapshot,
  me,
  passwordLogin,
  postJson,
  ROOMY_PLAN,
  refresh,
  signUp,
} from '../testing/identity.js';

describe.each(engines)('guest identities and sessions ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  it('creates a guest with a token pair, and the guest can read itself', async () => {
    const guest = await createGuest(server);
    expect(guest).toEqual({
      identityId: expect.stringMatching(/^id_[A-Za-z0-9_-]{16}$/),
      accessToken: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^sbr_[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    const response = await me(server, guest.accessToken);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      identityId: guest.identityId,
      kind: 'guest',
      state: 'active',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      disabledAt: null,
      mergedInto: null,
      emailVerified: false,
      logins: [],
    });
  });

  it('refreshes into a new pair for the same identity and session', async () => {
    const guest = await createGuest(server);
    const response = await refresh(server, guest.refreshToken);
    expect(response.status).toBe(200);
    const next = await json(response);
    expect(next).toMatchObject({ identityId: guest.identityId, tokenType: 'Bearer', expiresIn: 900 });
    expect(next.refreshToken).not.toBe(guest.refreshToken);
    expect((await me(server, next.accessToken)).status).toBe(200);
    // The previous access token lives until it expires; only refresh tokens are single-use.
    expect((await me(server, guest.accessToken)).status).toBe(200);
    expect((await refresh(server, next.refreshToken)).status).toBe(200);
  });

  it('revokes the whole family when a used refresh token comes back after its successor was used', async () => {
    const guest = await createGuest(server);
    const next = await json(await refresh(server, guest.refreshToken));
    const after = await json(await refresh(server, next.refreshToken));
    await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_reused');
    await expectProblem(await refresh(server, after.refreshToken), 401, 'refresh_token_revoked');
    await expectProblem(await me(server, after.accessToken), 401, 'session_revoked');
    await expectProblem(await me(server, guest.accessToken), 401, 'session_revoked');
    // The identity itself is fine: a new login (here: a new guest) is the way back.
    expect((await server.admin(`/admin/identities/${guest.identityId}`)).status).toBe(200);
  });

  it('answers a retried refresh (the answer was lost) with the same new refresh token, and the session lives on', async () => {
    const guest = await createGuest(server);
    const first = await json(await refresh(server, guest.refreshToken));
    const retried = await refresh(server, guest.refreshToken);
    expect(retried.status).toBe(200);
    const second = await json(retried);
    expect(second).toMatchObject({ identityId: guest.identityId, refreshToken: first.refreshToken, tokenType: 'Bearer' });
    expect((await me(server, second.accessToken)).status).toBe(200);
    expect((await me(server, first.accessToken)).status).toBe(200);
    expect((await refresh(server, first.refreshToken)).status).toBe(200);
  });

  it('answers fifty concurrent uses of one refresh token with one and the same new refresh token', async () => {
    const guest = await createGuest(server);
    const responses = await Promise.all(Array.from({ length: 50 }, () => refresh(server, guest.refreshToken)));
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    const pairs = await Promise.all(responses.map(json));
    expect(new Set(pairs.map((pair) => pair.refreshToken)).size).toBe(1);
    for (const pair of pairs.slice(0, 3)) expect((await me(server, pair.accessToken)).status).toBe(200);
    // Once the successor is used, the old token is a replay like any other: the family is revoked.
    const next = await json(await refresh(server, pairs[0].refreshToken));
    await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_reused');
    await expectProblem(await refresh(server, next.refreshToken), 401, 'refresh_token_revoked');
  });

  it.each([
    { name: 'an unknown refresh token', body: { refreshToken: `sbr_${'A'.repeat(43)}` }, status: 401, code: 'refresh_token_invalid' },
    { name: 'a string of the wrong shape', body: { refreshToken: 'hello' }, status: 401, code: 'refresh_token_invalid' },
    { name: 'an empty token', body: { refreshToken: '' }, status: 400, code: 'validation_failed' },
    { name: 'no token', body: {}, status: 400, code: 'validation_failed' },
    { name: 'a number', body: { refreshToken: 5 }, status: 400, code: 'validation_failed' },
    { name: 'an unknown field', body: { refreshToken: `sbr_${'A'.repeat(43)}`, extra: 1 }, status: 400, code: 'validation_failed' },
    { name: 'an oversized token', body: { refreshToken: 'a'.repeat(5000) }, status: 400, code: 'validation_failed' },
  ])('refuses $name with $status $code and changes nothing', async ({ body, status, code }) => {
    const before = await identitySnapshot(server);
    await expectProblem(await postJson(server, '/v1/identities/refresh', body), status, code);
    expect(await identitySnapshot(server)).toEqual(before);
  });

  it('refuses a refresh body that is not JSON', async () => {
    const response = await server.v1('/v1/identities/refresh', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    await expectProblem(response, 415, 'unsupported_media_type');
  });

  it('logs out one session: its tokens stop, other sessions of the identity keep working', async () => {
    const first = await signUp(server, 'logout@example.com', 'correct horse');
    const second = await json(await passwordLogin(server, 'logout@example.com', 'correct horse'));
    const response = await asIdentity(server, first.accessToken, '/v1/identities/logout', { method: 'POST' });
    expect(response.status).toBe(204);
    await expectProblem(await me(server, first.accessToken), 401, 'session_revoked');
    await expectProblem(await refresh(server, first.refreshToken), 401, 'refresh_token_revoked');
    expect((await me(server, second.accessToken)).status).toBe(200);
    expect((await refresh(server, second.refreshToken)).status).toBe(200);
  });

  it('deletes an identity: its tokens stop at once and its logins are freed', async () => {
    const account = await signUp(server, 'gone@example.com', 'correct horse');
    const response = await asIdentity(server, account.accessToken, '/v1/identities/me', { method: 'DELETE' });
    expect(response.status).toBe(204);
    await expectProblem(await me(server, account.accessToken), 401, 'identity_deleted');
    await expectProblem(await refresh(server, account.refreshToken), 401, 'refresh_token_invalid');
    await expectProblem(await server.admin(`/admin/identities/${account.identityId}`), 404, 'not_found');
    await expectProblem(await passwordLogin(server, 'gone@example.com', 'correct horse'), 401, 'invalid_credentials');
    // The email can sign up again, as a new identity.
    const again = await signUp(server, 'gone@example.com', 'another password');
    expect(again.identityId).not.toBe(account.identityId);
  });

  it('deletes a guest identity too', async () => {
    const guest = await createGuest(server);
    expect((await asIdentity(server, guest.accessToken, '/v1/identities/me', { method: 'DELETE' })).status).toBe(204);
    await expectProblem(await me(server, guest.accessToken), 401, 'identity_deleted');
  });

  it('never puts private key material or tokens in answers or logs', async () => {
    const guest = await createGuest(server);
    await me(server, guest.accessToken);
    await refresh(server, guest.refreshToken);
    const row = await server.server.shoebox.database.db.selectFrom('signing_keys').select('private_jwk').executeTakeFirstOrThrow();
    const privatePart = JSON.parse(row.private_jwk).d as string;
    const jwks = await (await fetch(`${server.url}/.well-known/jwks.json`)).text();
    expect(jwks).not.toContain(privatePart);
    expect(jwks).not.toContain('"d"');
    const openapi = await (await fetch(`${server.url}/openapi.json`)).text();
    expect(openapi).not.toContain(privatePart);
    const logs = JSON.stringify(server.logs);
    for (const secret of [privatePart, guest.accessToken, guest.refreshToken]) expect(logs).not.toContain(secret);
  });
});

describe.each(engines)('the retry window of refresh tokens ($name)', (engine) => {
  let server: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    server = await startTestServer({ engine, clock, env: { ...ROOMY_PLAN, SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS: '1' } });
  });
  afterAll(() => server.stop());

  it('revokes the session when a used refresh token comes back after the window, its successor unused', async () => {
    const guest = await createGuest(server);
    const next = await json(await refresh(server, guest.refreshToken));
    clock.advance(1_100);
    await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_reused');
    await expectProblem(await refresh(server, next.refreshToken), 401, 'refresh_token_revoked');
    await expectProblem(await me(server, next.accessToken), 401, 'session_revoked');
  });

  it('gives nothing to a retry within the window once the session was logged out', async () => {
    const guest = await createGuest(server);
    const next = await json(await refresh(server, guest.refreshToken));
    expect((await asIdentity(server, next.accessToken, '/v1/identities/logout', { method: 'POST' })).status).toBe(204);
    await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_reused');
    await expectProblem(await refresh(server, next.refreshToken), 401, 'refresh_token_revoked');
  });
});

describe('SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS', () => {
  it('turns retries off with 0: a used refresh token revokes its session at once', async () => {
    const server = await startTestServer({ env: { SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS: '0' } });
    try {
      const guest = await createGuest(server);
      const next = await json(await refresh(server, guest.refreshToken));
      await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_reused');
      await expectProblem(await refresh(server, next.refreshToken), 401, 'refresh_token_revoked');
    } finally {
      await server.stop();
    }
  });

  it.each(['61', '-1', 'soon'])('refuses %s at start', (value) => {
    expect(() => parseConfig({ SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS: value })).toThrow(/SHOEBOX_REFRESH_RETRY_WINDOW_SECONDS=.* is wrong/);
  });
});

describe('refresh token lifetime', () => {
  it('refuses an expired refresh token, and does not consume it', async () => {
    const clock = new TestClock();
    const server = await startTestServer({ clock, env: { SHOEBOX_REFRESH_TOKEN_TTL_SECONDS: '1' } });
    try {
      const guest = await createGuest(server);
      clock.advance(1_100);
      await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_expired');
      await expectProblem(await refresh(server, guest.refreshToken), 401, 'refresh_token_expired');
    } finally {
      await server.stop();
    }
  });
});

describe('guest creation under a usage plan', () => {
  it('is bounded by the API key plan', async () => {
    const server = await startTestServer({ env: { SHOEBOX_DEFAULT_RATE: '0.01', SHOEBOX_DEFAULT_BURST: '5' } });
    try {
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await server.v1('/v1/identities', { method: 'POST' })).status);
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
      expect((await identitySnapshot(server)).identities).toHaveLength(5);
    } finally {
      await server.stop();
    }
  });
});
