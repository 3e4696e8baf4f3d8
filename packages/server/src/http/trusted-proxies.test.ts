import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { expectProblem, postJson, ROOMY_PLAN } from '../testing/identity.js';

describe('SHOEBOX_TRUST_PROXY at start', () => {
  const dataDir = tempDir();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = (value: string) => runCli(['config'], { env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_TRUST_PROXY: value } });

  it.each([
    { value: 'true', message: 'trusting every hop lets any client choose its address' },
    { value: '2', message: 'a hop count cannot tell a proxy from a client' },
    { value: '0.0.0.0/0', message: '"0.0.0.0/0" is not an IP address, a CIDR' },
    { value: 'proxy.internal', message: '"proxy.internal" is not an IP address, a CIDR' },
  ])('refuses $value (exit 2), saying what to set instead', async ({ value, message }) => {
    const result = await config(value);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`SHOEBOX_TRUST_PROXY="${value}" is wrong: ${message}`);
  });

  it('accepts a list of addresses, CIDRs and range names', async () => {
    const result = await config('loopback, 10.0.0.0/8,2001:db8::/32');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SHOEBOX_TRUST_PROXY=loopback,10.0.0.0/8,2001:db8::/32\n');
  });
});

/**
 * The client address keys the per-address limits. Here the test is the proxy on loopback: a
 * client's request reaches Shoebox with the client's own X-Forwarded-For (anything it likes) and
 * the client's real address appended by the proxy.
 */
describe.each([
  { trust: '127.0.0.1', behindProxy: true },
  { trust: 'loopback', behindProxy: true },
  { trust: '127.0.0.0/8', behindProxy: true },
  { trust: 'false', behindProxy: false },
])('the client address with SHOEBOX_TRUST_PROXY=$trust', ({ trust, behindProxy }) => {
  let server: TestServer;
  afterAll(() => server?.stop());

  const failFrom = (realAddress: string, spoofed: string, email: string) =>
    postJson(
      server,
      '/v1/identities/login',
      { provider: 'password', email, password: 'wrong password' },
      { 'x-forwarded-for': `${spoofed}, ${realAddress}` },
    );

  it('cannot be chosen by the client: a new X-Forwarded-For on every try does not escape the per-address limit', async () => {
    server = await startTestServer({ env: { ...ROOMY_PLAN, SHOEBOX_TRUST_PROXY: trust, SHOEBOX_LOGIN_FAILURES_PER_ADDRESS: '3' } });
    for (let i = 0; i < 3; i++) {
      await expectProblem(await failFrom('198.51.100.7', `203.0.113.${i}`, `spray${i}@example.com`), 401, 'invalid_credentials');
    }
    await expectProblem(await failFrom('198.51.100.7', '192.0.2.99', 'spray9@example.com'), 429, 'login_throttled');
    await expectProblem(await failFrom('198.51.100.7', '127.0.0.1', 'spray10@example.com'), 429, 'login_throttled');
    // Another client behind the proxy has an address, and an allowance, of its own; without a trusted proxy it has neither.
    await expectProblem(
      await failFrom('198.51.100.8', '198.51.100.7', 'spray0@example.com'),
      behindProxy ? 401 : 429,
      behindProxy ? 'invalid_credentials' : 'login_throttled',
    );
  });
});
