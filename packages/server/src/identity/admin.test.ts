import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, runCli, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../testing/harness.js';
import { createGuest, expectProblem, identitySnapshot, me, type Pair, ROOMY_PLAN, refresh, signUp } from '../testing/identity.js';

describe.each(engines)('identity administration ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  const post = (path: string) => server.admin(path, { method: 'POST' });

  it('lists identities a page at a time, oldest first', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await createGuest(server)).identityId);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: Response = await server.admin(`/admin/identities?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = await json(response);
      expect(page.identities.length).toBeLessThanOrEqual(2);
      seen.push(...page.identities.map((identity: { identityId: string }) => identity.identityId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(created));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it.each([
    { name: 'a limit of 0', query: 'limit=0' },
    { name: 'a limit over 200', query: 'limit=201' },
    { name: 'a limit that is not a number', query: 'limit=ten' },
    { name: 'a cursor that is not one', query: 'cursor=bm9wZQ' },
    { name: 'an unknown parameter', query: 'sort=desc' },
  ])('refuses $name with 400', async ({ query }) => {
    await expectProblem(await server.admin(`/admin/identities?${query}`), 400, 'validation_failed');
  });

  it('shows one identity, and 404 for an unknown id', async () => {
    const guest = await createGuest(server);
    expect(await json(await server.admin(`/admin/identities/${guest.identityId}`))).toMatchObject({
      identityId: guest.identityId,
      kind: 'guest',
      state: 'active',
    });
    await expectProblem(await server.admin('/admin/identities/id_unknown'), 404, 'not_found');
    await expectProblem(await post('/admin/identities/id_unknown/disable'), 404, 'not_found');
    await expectProblem(await post('/admin/identities/id_unknown/enable'), 404, 'not_found');
  });

  it('disables an identity: its tokens stop at once; enabling brings them back', async () => {
    const account = await signUp(server, 'suspend@example.com', 'correct horse');
    const disabled = await json(await post(`/admin/identities/${account.identityId}/disable`));
    expect(disabled).toMatchObject({ state: 'disabled', disabledAt: expect.any(String) });
    await expectProblem(await me(server, account.accessToken), 403, 'identity_disabled');
    await expectProblem(await refresh(server, account.refreshToken), 403, 'identity_disabled');
    // Disabling again keeps the first time.
    expect((await json(await post(`/admin/identities/${account.identityId}/disable`))).disabledAt).toBe(disabled.disabledAt);
    expect(await json(await post(`/admin/identities/${account.identityId}/enable`))).toMatchObject({ state: 'active', disabledAt: null });
    expect((await me(server, account.accessToken)).status).toBe(200);
    expect((await refresh(server, account.refreshToken)).status).toBe(200);
  });

  it('needs the admin token for every identity admin route', async () => {
    for (const [method, path] of [
      ['GET', '/admin/identities'],
      ['GET', '/admin/identities/id_x'],
      ['POST', '/admin/identities/id_x/disable'],
      ['POST', '/admin/identities/id_x/enable'],
    ] as const) {
      await expectProblem(await fetch(`${server.url}${path}`, { method }), 401, 'admin_token_required');
      const wrong = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` } });
      await expectProblem(wrong, 403, 'admin_token_invalid');
    }
  });
});

describe('the identity CLI beside a running server', () => {
  let server: TestServer;
  const cli = (...args: string[]) => runCli(['identity', ...args], { env: { SHOEBOX_DATA_DIR: server.dataDir } });
  beforeAll(async () => {
    server = await startTestServer({ env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  // One CLI run per test: each starts a Node process, which takes seconds on a busy machine.
  let guest: Pair;
  it('lists identities', async () => {
    guest = await createGuest(server);
    const list = await cli('list', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).identities.map((identity: { identityId: string }) => identity.identityId)).toContain(guest.identityId);
  });

  it('shows one identity', async () => {
    expect((await cli('show', guest.identityId)).stdout).toContain(`${guest.identityId}  guest`);
  });

  it('disables an identity, and the running server refuses its tokens at once', async () => {
    expect((await cli('disable', guest.identityId)).stdout).toContain(`Disabled ${guest.identityId}`);
    await expectProblem(await me(server, guest.accessToken), 403, 'identity_disabled');
  });

  it('enables it again', async () => {
    expect((await cli('enable', guest.identityId)).code).toBe(0);
    expect((await me(server, guest.accessToken)).status).toBe(200);
  });

  it('explains an unknown id with exit code 1', async () => {
    const unknown = await cli('show', 'id_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No identity has the id "id_nope"');
  });

  it('rotates the signing key: new tokens use the new key, old tokens keep working until they expire', async () => {
    const before = await createGuest(server);
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const snapshot = await identitySnapshot(server);
    const rotated = await cli('rotate-key', '--json');
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout);
    expect(rotation).toMatchObject({ kid: expect.any(String), retired: [oldKid] });
    expect(Date.parse(rotation.retiredVerifyUntil) - Date.now()).toBeGreaterThan(900_000);
    expect(rotated.stdout).not.toContain('"d"');
    expect(await identitySnapshot(server)).toEqual(snapshot);

    const jwks = await json(await fetch(`${server.url}/.well-known/jwks.json`));
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([rotation.kid, oldKid]);
    expect((await me(server, before.accessToken)).status).toBe(200);

    const after = await createGuest(server);
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(rotation.kid);
    expect((await me(server, after.accessToken)).status).toBe(200);
    const refreshed = await json(await refresh(server, before.refreshToken));
    expect(decodeProtectedHeader(refreshed.accessToken).kid).toBe(rotation.kid);
  });
});
