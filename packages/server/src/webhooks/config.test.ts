import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/harness.js';

/** `shoebox config` only reads the configuration: the data folder need not exist. */
const config = (env: Record<string, string>) =>
  runCli(['config'], { env: { SHOEBOX_DATA_DIR: '/nonexistent/shoebox-config-test', ...env } });

describe('webhook configuration', () => {
  it('takes host names, addresses and CIDRs as allowed targets', async () => {
    const result = await config({ SHOEBOX_WEBHOOK_ALLOWED_HOSTS: 'Hooks.Internal, 10.2.0.0/16,::1, 127.0.0.1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SHOEBOX_WEBHOOK_ALLOWED_HOSTS=hooks.internal,10.2.0.0/16,::1/128,127.0.0.1/32');
    expect(result.stdout).toContain('SHOEBOX_WEBHOOK_RETRY_PERIOD_SECONDS=86400');
  });

  it.each<{ name: string; env: Record<string, string>; error: RegExp }>([
    {
      name: 'a malformed entry',
      env: { SHOEBOX_WEBHOOK_ALLOWED_HOSTS: 'hooks internal' },
      error: /SHOEBOX_WEBHOOK_ALLOWED_HOSTS.*"hooks internal"/,
    },
    { name: 'a CIDR prefix too long', env: { SHOEBOX_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33' }, error: /"10\.0\.0\.0\/33"/ },
    { name: 'a timeout below 100 ms', env: { SHOEBOX_WEBHOOK_TIMEOUT_MS: '5' }, error: /SHOEBOX_WEBHOOK_TIMEOUT_MS/ },
    {
      name: 'a retry ceiling below its base',
      env: { SHOEBOX_WEBHOOK_RETRY_BASE_MS: '5000', SHOEBOX_WEBHOOK_RETRY_MAX_MS: '1000' },
      error: /SHOEBOX_WEBHOOK_RETRY_MAX_MS must not be below/,
    },
    { name: 'a heartbeat of 0', env: { SHOEBOX_REALTIME_HEARTBEAT_SECONDS: '0' }, error: /SHOEBOX_REALTIME_HEARTBEAT_SECONDS/ },
  ])('refuses $name at start', async ({ env, error }) => {
    const result = await config(env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(error);
  });
});
