import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, scaleOut } from '../testing/engines.js';
import { type ApiClient, json, ownRedisPrefix, removeTestData, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { expectProblem, identitySnapshot, postJson, ROOMY_PLAN, signUp } from '../testing/identity.js';

/**
 * The password throttle seen by clients at several addresses. The test talks to the server as a
 * proxy on loopback would, naming each client's address in X-Forwarded-For.
 */
const BEHIND_PROXY = { ...ROOMY_PLAN, SHOEBOX_TRUST_PROXY: 'loopback' };

const loginFrom = (server: ApiClient, address: string, email: string, password: string) =>
  postJson(server, '/v1/identities/login', { provider: 'password', email, password }, { 'x-forwarded-for': address });

/** Asserts a 429 login_throttled whose Retry-After header and body agree. */
async function expectThrottled(response: Response): Promise<void> {
  const body = await expectProblem(response, 429, 'login_throttled');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(body.retryAfterSeconds).toBe(retryAfter);
}

/** Asserts that of `responses` to wrong guesses at most `limit` were checked (401) and the rest refused unchecked (429). */
function expectAtMostChecked(responses: Response[], limit: number): void {
  const statuses = responses.map(({ status }) => status);
  expect(new Set(statuses)).toEqual(new Set([401, 429]));
  expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(limit);
}

describe.each(engines)('the password throttle ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      engine,
      env: { ...BEHIND_PROXY, ...ownRedisPrefix('login-throttle'), SHOEBOX_LOGIN_FAILURES_EMAIL_CEILING: '12' },
    });
  });
  afterAll(() => server.stop());

  it('checks at most 5 of 40 wrong guesses sent at once for one email and refuses the rest with 429, changing nothing', async () => {
    const owner = await signUp(server, 'burst@example.com', 'correct horse');
    const before = await identitySnapshot(server);
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => loginFrom(server, '198.51.100.1', 'burst@example.com', `guess ${i}`)),
    );
    expectAtMostChecked(responses, 5);
    for (const response of responses.filter(({ status }) => status === 429)) await expectThrottled(response);
    expect(await identitySnapshot(server)).toEqual(before);
    // The guesser's address stays locked out of this email, the right password included; the owner elsewhere is not.
    await expectThrottled(await loginFrom(server, '198.51.100.1', 'burst@example.com', 'correct horse'));
    const own = await loginFrom(server, '203.0.113.1', 'burst@example.com', 'correct horse');
    expect(own.status).toBe(200);
    expect((await json(own)).identityId).toBe(owner.identityId);
  });

  it('lets the owner log in from an address that has not failed after an attacker locked out their own', async () => {
    const owner = await signUp(server, 'target@example.com', 'correct horse');
    for (let i = 0; i < 5; i++) {
      await expectProblem(await loginFrom(server, '198.51.100.2', 'TARGET@example.com', `guess ${i}`), 401, 'invalid_credentials');
    }
    await expectThrottled(await loginFrom(server, '198.51.100.2', 'target@example.com', 'correct horse'));
    const own = await loginFrom(server, '203.0.113.2', 'target@example.com', 'correct horse');
    expect(own.status).toBe(200);
    expect((await json(own)).identityId).toBe(owner.identityId);
  });

  it('past the ceiling per email, gives every address one attempt on it: distributed guessing slows, the owner still logs in', async () => {
    await signUp(server, 'popular@example.com', 'correct horse');
    // 12 addresses fail twice each: the email reaches its ceiling of 12 failures from all addresses.
    for (let i = 0; i < 12; i++) {
      await expectProblem(await loginFrom(server, `198.51.101.${i}`, 'popular@example.com', 'guess a'), 401, 'invalid_credentials');
    }
    // Past it, an address that failed on this email once is refused, one that never did is still checked.
    await expectThrottled(await loginFrom(server, '198.51.101.0', 'popular@example.com', 'guess b'));
    await expectProblem(await loginFrom(server, '198.51.101.100', 'popular@example.com', 'guess a'), 401, 'invalid_credentials');
    await expectThrottled(await loginFrom(server, '198.51.101.100', 'popular@example.com', 'correct horse'));
    expect((await loginFrom(server, '203.0.113.3', 'popular@example.com', 'correct horse')).status).toBe(200);
  });

  it('counts an email from zero again at its address after a successful login', async () => {
    await signUp(server, 'forgetful@example.com', 'correct horse');
    for (let i = 0; i < 4; i++) await loginFrom(server, '198.51.100.4', 'forgetful@example.com', 'wrong');
    expect((await loginFrom(server, '198.51.100.4', 'forgetful@example.com', 'correct horse')).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      await expectProblem(await loginFrom(server, '198.51.100.4', 'forgetful@example.com', 'wrong'), 401, 'invalid_credentials');
    }
  });
});

const hasSharedRedis = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL && process.env.SHOEBOX_TEST_REDIS_URL);

describe.skipIf(!hasSharedRedis)('the password throttle shared through Redis by two API processes', () => {
  const dataDir = tempDir();
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    const env = { ...BEHIND_PROXY, ...ownRedisPrefix('login-throttle-shared') };
    first = await startTestServer({ engine: scaleOut, dataDir, env });
    second = await startTestServer({ engine: scaleOut, dataDir, env, apiKey: first.apiKey });
  });
  afterAll(async () => {
    await first.stop();
    await second.stop();
    await removeTestData(dataDir, scaleOut);
  });

  it('checks at most 5 of 40 wrong guesses sent at once to both processes', async () => {
    await signUp(first, 'shared@example.com', 'correct horse');
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => loginFrom(i % 2 ? first : second, '198.51.100.5', 'shared@example.com', `guess ${i}`)),
    );
    expectAtMostChecked(responses, 5);
  });
});
