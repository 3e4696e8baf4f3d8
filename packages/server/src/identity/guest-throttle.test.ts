import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, ownRedisPrefix, startTestServer, type TestServer } from '../testing/harness.js';
import { expectProblem, identitySnapshot, ROOMY_PLAN } from '../testing/identity.js';

describe.each(engines)('the guest limit per client address ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      engine,
      env: {
        ...ROOMY_PLAN,
        ...ownRedisPrefix('guest-throttle'),
        // The test talks as a proxy on loopback, naming each client's address in X-Forwarded-For.
        SHOEBOX_TRUST_PROXY: 'loopback',
        SHOEBOX_GUESTS_PER_ADDRESS: '3',
        SHOEBOX_GUEST_WINDOW_SECONDS: '600',
      },
    });
  });
  afterAll(() => server.stop());

  const createGuestFrom = (address: string) => server.v1('/v1/identities', { method: 'POST', headers: { 'x-forwarded-for': address } });

  it('creates 3 of 10 guests asked for at once from one address, refuses the rest with 429 and Retry-After, and creates nothing more', async () => {
    const before = await identitySnapshot(server);
    const responses = await Promise.all(Array.from({ length: 10 }, () => createGuestFrom('198.51.100.1')));
    const created = responses.filter(({ status }) => status === 201);
    expect(created).toHaveLength(3);
    for (const refused of responses.filter(({ status }) => status !== 201)) {
      const body = await expectProblem(refused, 429, 'guest_creation_throttled');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(body.retryAfterSeconds).toBe(retryAfter);
    }
    const ids = await Promise.all(created.map(async (response) => (await json(response)).identityId));
    const after = await identitySnapshot(server);
    expect(after.identities.map(({ identityId }) => identityId).sort()).toEqual(
      [...before.identities.map(({ identityId }) => identityId), ...ids].sort(),
    );
  });

  it('leaves other addresses alone', async () => {
    await Promise.all(Array.from({ length: 4 }, () => createGuestFrom('198.51.100.2')));
    expect((await createGuestFrom('198.51.100.2')).status).toBe(429);
    expect((await createGuestFrom('203.0.113.2')).status).toBe(201);
  });
});
