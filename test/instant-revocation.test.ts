import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, type TestEngine } from '../packages/server/src/testing/engines.js';
import { json, removeTestData, runCli, startTestServer, type TestServer, tempDir } from '../packages/server/src/testing/harness.js';
import { asIdentity, createGuest, expectProblem, me, ROOMY_PLAN, refresh, signUp } from '../packages/server/src/testing/identity.js';

/**
 * Every process caches API keys, identity and session states, logins and signing keys (db/cache-generations.ts).
 * Each case here warms the cache of a reader process, changes the state through another process
 * (a second API process on PostgreSQL, the same one on SQLite where one process serves, and the
 * CLI on both), and expects the reader's very next request to see the change: no waiting, no retry.
 */
describe.each(engines)('changes reach every process on its next request ($name)', (engine: TestEngine) => {
  const dataDir = tempDir();
  let writer: TestServer;
  let reader: TestServer;
  let cliEnv: Record<string, string>;
  const cli = async (...args: string[]) => {
    const result = await runCli(args, { env: cliEnv });
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };
  const createKey = async () =>
    json(await writer.admin('/admin/keys', { method: 'POST', body: '{"name":"k"}', headers: { 'content-type': 'application/json' } }));
  const pingOf = (server: TestServer, key: string) => fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': key } });

  beforeAll(async () => {
    cliEnv = { SHOEBOX_DATA_DIR: dataDir, ...(await engine.prepare(dataDir)) };
    writer = await startTestServer({ engine, dataDir, env: ROOMY_PLAN });
    reader = engine.database === 'sqlite' ? writer : await startTestServer({ engine, dataDir, env: ROOMY_PLAN, apiKey: writer.apiKey });
  });
  afterAll(async () => {
    if (reader !== writer) await reader.stop();
    await writer.stop();
    await removeTestData(dataDir, engine);
  });

  it('refuses a key revoked through another process', async () => {
    const { id, key } = await createKey();
    expect((await pingOf(reader, key)).status).toBe(200);
    expect((await writer.admin(`/admin/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    await expectProblem(await pingOf(reader, key), 403, 'api_key_invalid');
  });

  it('refuses a key revoked by the CLI', async () => {
    const { id, key } = await createKey();
    expect((await pingOf(reader, key)).status).toBe(200);
    await cli('keys', 'revoke', id);
    await expectProblem(await pingOf(reader, key), 403, 'api_key_invalid');
  });

  it('applies a plan changed through another process', async () => {
    const { id, key } = await createKey();
    expect((await pingOf(reader, key)).headers.get('ratelimit-limit')).not.toBe('7');
    const patched = await writer.admin(`/admin/keys/${id}`, {
      method: 'PATCH',
      body: JSON.stringify({ rateLimit: { burst: 7 } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(patched.status).toBe(200);
    expect((await pingOf(reader, key)).headers.get('ratelimit-limit')).toBe('7');
  });

  it('refuses the tokens of a session logged out through another process', async () => {
    const guest = await createGuest(writer);
    expect((await me(reader, guest.accessToken)).status).toBe(200);
    expect((await asIdentity(writer, guest.accessToken, '/v1/identities/logout', { method: 'POST' })).status).toBe(204);
    await expectProblem(await me(reader, guest.accessToken), 401, 'session_revoked');
  });

  it('refuses an identity disabled by the CLI, and takes it back once enabled through another process', async () => {
    const guest = await createGuest(writer);
    expect((await me(reader, guest.accessToken)).status).toBe(200);
    await cli('identity', 'disable', guest.identityId);
    await expectProblem(await me(reader, guest.accessToken), 403, 'identity_disabled');
    expect((await writer.admin(`/admin/identities/${guest.identityId}/enable`, { method: 'POST' })).status).toBe(200);
    expect((await me(reader, guest.accessToken)).status).toBe(200);
  });

  it('refuses an identity deleted through another process', async () => {
    const guest = await createGuest(writer);
    expect((await me(reader, guest.accessToken)).status).toBe(200);
    expect((await asIdentity(writer, guest.accessToken, '/v1/identities/me', { method: 'DELETE' })).status).toBe(204);
    await expectProblem(await me(reader, guest.accessToken), 401, 'identity_deleted');
  });

  it('shows a login linked through another process', async () => {
    const guest = await createGuest(writer);
    expect(await json(await me(reader, guest.accessToken))).toMatchObject({ kind: 'guest', logins: [] });
    await signUp(writer, `linked-${guest.identityId}@example.com`, 'correct horse battery', guest.accessToken);
    expect(await json(await me(reader, guest.accessToken))).toMatchObject({ kind: 'authenticated', logins: [{ provider: 'password' }] });
  });

  it('refuses the tokens of a signing key the CLI revoked', async () => {
    const guest = await createGuest(writer);
    const oldKid = decodeProtectedHeader(guest.accessToken).kid;
    expect((await me(reader, guest.accessToken)).status).toBe(200);
    await cli('identity', 'rotate-key', '--revoke-old');
    await expectProblem(await me(reader, guest.accessToken), 401, 'access_token_key_unknown');
    // The processes sign with the new key at once.
    const renewed = await json(await refresh(writer, guest.refreshToken));
    expect(decodeProtectedHeader(renewed.accessToken).kid).not.toBe(oldKid);
    expect((await me(reader, renewed.accessToken)).status).toBe(200);
  });
});
