import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../testing/clock.js';
import { engines, type TestEngine } from '../testing/engines.js';
import { type CliResult, json, removeTestData, runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { createGuest, expectProblem, forgeAccessToken, me, type Pair, ROOMY_PLAN, refresh, serverSigningKey } from '../testing/identity.js';
import { settle } from '../testing/shoebox.js';

/** A running server, and `shoebox identity …` run by the CLI on its data with the same configuration. */
interface ServerAndCli {
  readonly server: TestServer;
  /** The server's clock, which a test moves past a key's deadline. */
  readonly clock: TestClock;
  identityCli(...args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

async function startServerAndCli(engine: TestEngine, env: Record<string, string>): Promise<ServerAndCli> {
  const dataDir = tempDir();
  const clock = new TestClock();
  const cliEnv = { SHOEBOX_DATA_DIR: dataDir, ...env, ...(await engine.prepare(dataDir)) };
  const server = await startTestServer({ engine, dataDir, clock, env: { ...ROOMY_PLAN, ...env } });
  return {
    server,
    clock,
    identityCli: (...args) => runCli(['identity', ...args], { env: cliEnv }),
    async stop() {
      await server.stop();
      await removeTestData(dataDir, engine);
    },
  };
}

/**
 * A leaked signing key, as its thief uses it: every forged token is freshly issued (so no lifetime
 * check stops it), for a live identity and session, signed with the old key under its own kid.
 */
const forgeWithKey = ({ server, clock }: ServerAndCli, pair: Pair, leaked: Awaited<ReturnType<typeof serverSigningKey>>) => {
  const now = Math.floor(clock.now() / 1000);
  return forgeAccessToken(server, pair, { key: leaked.key, header: { kid: leaked.kid }, claims: { iat: now, exp: now + 5 } });
};

describe.each(engines)('a rotated-out signing key in a running server ($name)', (engine) => {
  let running: ServerAndCli;
  beforeAll(async () => {
    // Access tokens live 5 s, so a rotated-out key's window (lifetime + 5 s of clock tolerance) ends 10 s after the rotation.
    running = await startServerAndCli(engine, { SHOEBOX_ACCESS_TOKEN_TTL_SECONDS: '5' });
  });
  afterAll(() => running.stop());

  it('stops verifying at its deadline, although the process had it in memory', async () => {
    const { server, clock } = running;
    const guest = await createGuest(server);
    const leaked = await serverSigningKey(server);
    const statusOfForged = async () => (await me(server, await forgeWithKey(running, guest, leaked))).status;
    // The server verifies with the key once, so it holds it in memory from now on.
    expect((await me(server, guest.accessToken)).status).toBe(200);
    const rotated = await running.identityCli('rotate-key', '--json');
    expect(rotated.code).toBe(0);
    const deadline = Date.parse(JSON.parse(rotated.stdout).retiredVerifyUntil);
    expect(deadline - Date.now()).toBeLessThanOrEqual(10_000);
    // Still inside its window: tokens the old key signed keep working, as promised.
    if (clock.now() < deadline - 1000) expect(await statusOfForged()).toBe(200);

    clock.advance(Math.max(0, deadline - clock.now()));
    const status = await settle(statusOfForged, (value) => value === 401, { timeoutMs: 8000, pauseMs: 250 });
    expect(status).toBe(401);
    expect(clock.now()).toBeGreaterThanOrEqual(deadline);
    await expectProblem(await me(server, await forgeWithKey(running, guest, leaked)), 401, 'access_token_key_unknown');
    // Tokens of the new key work; so do refreshes.
    const fresh = await json(await refresh(server, guest.refreshToken));
    expect((await me(server, fresh.accessToken)).status).toBe(200);
  });
});

describe.each(engines)('rotate-key --revoke-old in a running server ($name)', (engine) => {
  let running: ServerAndCli;
  beforeAll(async () => {
    running = await startServerAndCli(engine, {});
  });
  afterAll(() => running.stop());

  it('stops the old key within seconds: tokens it signed and forged ones alike', async () => {
    const { server } = running;
    const leaked = await serverSigningKey(server);
    const issued = await createGuest(server);
    const statusOfForged = async () => (await me(server, await forgeWithKey(running, issued, leaked))).status;
    expect(decodeProtectedHeader(issued.accessToken).kid).toBe(leaked.kid);
    expect((await me(server, issued.accessToken)).status).toBe(200);
    expect(await statusOfForged()).toBe(200);

    const rotated = await running.identityCli('rotate-key', '--revoke-old', '--json');
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout);
    expect(rotation).toMatchObject({ retired: [leaked.kid] });
    expect(Date.parse(rotation.retiredVerifyUntil)).toBeLessThanOrEqual(Date.now());
    const revokedAt = Date.now();

    const status = await settle(statusOfForged, (value) => value === 401, { timeoutMs: 15_000, pauseMs: 250 });
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(15_000);
    await expectProblem(await me(server, await forgeWithKey(running, issued, leaked)), 401, 'access_token_key_unknown');
    await expectProblem(await me(server, issued.accessToken), 401, 'access_token_key_unknown');
    const jwks = await json(await fetch(`${server.url}/.well-known/jwks.json`));
    expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual([rotation.kid]);

    // Clients recover with their refresh tokens, which no signing key protects.
    const recovered = await json(await refresh(server, issued.refreshToken));
    expect(decodeProtectedHeader(recovered.accessToken).kid).toBe(rotation.kid);
    expect((await me(server, recovered.accessToken)).status).toBe(200);
  });

  it('prints what it did for people', async () => {
    const text = await running.identityCli('rotate-key', '--revoke-old');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^New signing key \S+\.\nRevoked \S+: every process refuses its tokens from its next request; clients refresh/,
    );
  });
});
