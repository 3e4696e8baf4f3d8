import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, removeTestData, runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { createGuest, expectProblem, forgeAccessToken, me, type Pair, ROOMY_PLAN, refresh, serverSigningKey } from '../testing/identity.js';
import { settle } from '../testing/shoebox.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A leaked signing key, as the thief uses it: every forged token is freshly issued (so no lifetime
 * check stops it), for a live identity and session, signed with the old key under its own kid.
 */
describe.each(engines)('retiring signing keys in a running server ($name)', (engine) => {
  const dataDir = tempDir();
  let server: TestServer;
  let cliEnv: Record<string, string>;
  let guest: Pair;
  let leaked: Awaited<ReturnType<typeof serverSigningKey>>;
  const forgeWithLeakedKey = () =>
    forgeAccessToken(server, guest, { key: leaked.key, header: { kid: leaked.kid }, claims: { iat: nowSeconds(), exp: nowSeconds() + 5 } });
  const statusOfForged = async () => (await me(server, await forgeWithLeakedKey())).status;

  beforeAll(async () => {
    // Access tokens live 5 s, so a rotated-out key's window (lifetime + 5 s of clock tolerance) ends 10 s after the rotation.
    cliEnv = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_ACCESS_TOKEN_TTL_SECONDS: '5', ...(await engine.prepare(dataDir)) };
    server = await startTestServer({ engine, dataDir, env: { ...ROOMY_PLAN, SHOEBOX_ACCESS_TOKEN_TTL_SECONDS: '5' } });
  });
  afterAll(async () => {
    await server.stop();
    await removeTestData(dataDir, engine);
  });

  it('stops verifying a rotated-out key at its deadline, although the process had it in memory', async () => {
    guest = await createGuest(server);
    leaked = await serverSigningKey(server);
    // The server verifies with the key once, so it holds it in memory from now on.
    expect((await me(server, guest.accessToken)).status).toBe(200);
    const rotated = await runCli(['identity', 'rotate-key', '--json'], { env: cliEnv });
    expect(rotated.code).toBe(0);
    const deadline = Date.parse(JSON.parse(rotated.stdout).retiredVerifyUntil);
    expect(deadline - Date.now()).toBeLessThanOrEqual(10_000);
    // Still inside its window: tokens the old key signed keep working, as promised.
    if (Date.now() < deadline - 1000) expect(await statusOfForged()).toBe(200);

    const status = await settle(statusOfForged, (value) => value === 401, { timeoutMs: deadline - Date.now() + 8000, pauseMs: 250 });
    expect(status).toBe(401);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    await expectProblem(await me(server, await forgeWithLeakedKey()), 401, 'access_token_key_unknown');
    // Tokens of the new key work; so do refreshes.
    const fresh = await json(await refresh(server, guest.refreshToken));
    expect((await me(server, fresh.accessToken)).status).toBe(200);
    guest = fresh;
  });

  it('rotate-key --revoke-old stops the old key everywhere within seconds, tokens it signed and forged ones alike', async () => {
    leaked = await serverSigningKey(server);
    const issued = await createGuest(server);
    expect(decodeProtectedHeader(issued.accessToken).kid).toBe(leaked.kid);
    expect((await me(server, issued.accessToken)).status).toBe(200);
    expect(await statusOfForged()).toBe(200);

    const rotated = await runCli(['identity', 'rotate-key', '--revoke-old', '--json'], { env: cliEnv });
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout);
    expect(rotation).toMatchObject({ retired: [leaked.kid] });
    expect(Math.abs(Date.parse(rotation.retiredVerifyUntil) - Date.now())).toBeLessThan(60_000);
    const revokedAt = Date.now();

    const status = await settle(statusOfForged, (value) => value === 401, { timeoutMs: 15_000, pauseMs: 250 });
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(15_000);
    await expectProblem(await me(server, await forgeWithLeakedKey()), 401, 'access_token_key_unknown');
    await expectProblem(await me(server, issued.accessToken), 401, 'access_token_key_unknown');
    const jwks = await json(await fetch(`${server.url}/.well-known/jwks.json`));
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([rotation.kid]);

    // Clients recover with their refresh tokens, which no signing key protects.
    const recovered = await json(await refresh(server, issued.refreshToken));
    expect(decodeProtectedHeader(recovered.accessToken).kid).toBe(rotation.kid);
    expect((await me(server, recovered.accessToken)).status).toBe(200);
  });
});
