import { describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/harness.js';

const WARNING = 'SHOEBOX_PUBLIC_URL is not set, so signed photo URLs name http://127.0.0.1:';

describe('the warning about unreachable URLs at start', () => {
  it.each<{ case: string; env: Record<string, string>; warns: boolean }>([
    { case: 'on every interface without SHOEBOX_PUBLIC_URL', env: { SHOEBOX_HOST: '0.0.0.0' }, warns: true },
    {
      case: 'on every interface with SHOEBOX_PUBLIC_URL',
      env: { SHOEBOX_HOST: '0.0.0.0', SHOEBOX_PUBLIC_URL: 'http://192.0.2.7:8080' },
      warns: false,
    },
    { case: 'on loopback', env: { SHOEBOX_HOST: '127.0.0.1' }, warns: false },
  ])('listening $case: warned $warns', async ({ env, warns }) => {
    const server = await startTestServer({ env });
    try {
      const port = new URL(server.url).port;
      expect(server.banner.includes(`${WARNING}${port}`)).toBe(warns);
      expect(server.banner.includes('Set SHOEBOX_PUBLIC_URL to the URL devices use, e.g. SHOEBOX_PUBLIC_URL=http://')).toBe(warns);
      expect(server.logs.some((line) => String(line.msg).includes(WARNING))).toBe(warns);
    } finally {
      await server.stop();
    }
  });
});
