import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, removeTestData, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { expectProblem } from '../testing/identity.js';

describe('the sample app at /demo/', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('is served with a policy letting it load only its own files and reach the API and blob store', async () => {
    const page = await fetch(`${server.url}/demo/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('manifest.webmanifest');
    const redirect = await fetch(`${server.url}/demo`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/demo/']);
    expect((await fetch(`${server.url}/demo/manifest.webmanifest`)).status).toBe(200);
  });

  it('answers a file it does not have with the API problem, and HEAD like GET', async () => {
    await expectProblem(await fetch(`${server.url}/demo/no-such-file.js`), 404, 'route_not_found');
    const head = await fetch(`${server.url}/demo/manifest.webmanifest`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('hands out an API key of its own that works, and replaces it once revoked', async () => {
    const { apiKey } = await json(await fetch(`${server.url}/demo/config.json`));
    expect((await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    expect((await json(await fetch(`${server.url}/demo/config.json`))).apiKey).toBe(apiKey);
    const { keys } = await json(await server.admin('/admin/keys'));
    const demoKey = keys.find((key: { name: string; revokedAt: string | null }) => key.name === 'demo app' && key.revokedAt === null);
    expect(apiKey.startsWith(demoKey.prefix)).toBe(true);
    expect((await server.admin(`/admin/keys/${demoKey.id}`, { method: 'DELETE' })).status).toBe(200);
    const replaced = (await json(await fetch(`${server.url}/demo/config.json`))).apiKey;
    expect(replaced).not.toBe(apiKey);
    expect((await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': replaced } })).status).toBe(200);
  });
});

describe('the sample app across restarts and when turned off', () => {
  it('keeps its key across a restart, and SHOEBOX_DEMO=off hides it', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const { apiKey } = await json(await fetch(`${first.url}/demo/config.json`));
    await first.stop();
    const again = await startTestServer({ dataDir, apiKey: first.apiKey });
    expect((await json(await fetch(`${again.url}/demo/config.json`))).apiKey).toBe(apiKey);
    await again.stop();
    const off = await startTestServer({ dataDir, apiKey: first.apiKey, env: { SHOEBOX_DEMO: 'off' } });
    try {
      await expectProblem(await fetch(`${off.url}/demo/`), 404, 'route_not_found');
      await expectProblem(await fetch(`${off.url}/demo/config.json`), 404, 'route_not_found');
    } finally {
      await off.stop();
      await removeTestData(dataDir);
    }
  });
});
