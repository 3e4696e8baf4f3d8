import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../testing/clock.js';
import { engines } from '../testing/engines.js';
import { json, removeTestData, startTestServer, type TestServer, tempDir } from '../testing/harness.js';

const createKey = async (server: TestServer, body: object) => {
  const response = await server.admin('/admin/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return json(response) as Promise<{ id: string; key: string }>;
};

const ping = (server: TestServer, key?: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/v1/ping`, { headers: { ...(key !== undefined && { 'x-api-key': key }), ...headers } });

describe.each(engines)('API gateway ($name)', (engine) => {
  let server: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    server = await startTestServer({ engine, clock });
  });
  afterAll(() => server.stop());

  it.each([
    { name: 'no key', key: undefined, status: 401, code: 'api_key_missing' },
    { name: 'empty key', key: '', status: 401, code: 'api_key_missing' },
    { name: 'key of the wrong shape', key: 'hello', status: 403, code: 'api_key_invalid' },
    { name: 'unknown key of the right shape', key: `sbk_${'A'.repeat(43)}`, status: 403, code: 'api_key_invalid' },
    { name: 'key with a trailing character', key: `sbk_${'A'.repeat(44)}`, status: 403, code: 'api_key_invalid' },
  ])('refuses $name with $status $code', async ({ key, status, code }) => {
    const response = await ping(server, key);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await json(response);
    expect(body).toMatchObject({ status, code, type: `urn:shoebox:problem:${code}` });
    expect(body.detail).toEqual(expect.any(String));
  });

  it('answers a valid key with 200 and RateLimit headers', async () => {
    const response = await ping(server, server.apiKey);
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ pong: true });
    expect(Number(response.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
    expect(response.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
    expect(response.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
  });

  it('refuses two x-api-key headers', async () => {
    const response = await fetch(`${server.url}/v1/ping`, {
      headers: [
        ['x-api-key', server.apiKey],
        ['x-api-key', server.apiKey],
      ],
    });
    // fetch folds repeated headers into one comma-separated value, which is not a key.
    expect(response.status).toBe(403);
  });

  it('stops a revoked key from the very next request', async () => {
    const { id, key } = await createKey(server, { name: 'to revoke' });
    expect((await ping(server, key)).status).toBe(200);
    expect((await server.admin(`/admin/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    const refused = await ping(server, key);
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: 'api_key_invalid', detail: expect.stringContaining('revoked') });
  });

  it('allows a burst, then answers 429 with a correct Retry-After', async () => {
    const { key } = await createKey(server, { name: 'bursty', rateLimit: { rate: 0.5, burst: 3 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ping(server, key)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await ping(server, key);
    expect(refused.status).toBe(429);
    const body = await json(refused);
    expect(body).toMatchObject({ code: 'rate_limited', status: 429 });
    // One token refills every 2 s at 0.5/s: the wait is 2 s, minus what already elapsed, rounded up.
    expect(Number(refused.headers.get('retry-after'))).toBe(2);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('exhausts a quota with its own problem code and reset time', async () => {
    const { id, key } = await createKey(server, {
      name: 'quota',
      rateLimit: { rate: 1000, burst: 1000 },
      quota: { limit: 3, period: 'day' },
    });
    for (let i = 0; i < 3; i++) expect((await ping(server, key)).status).toBe(200);
    const refused = await ping(server, key);
    expect(refused.status).toBe(429);
    const body = await json(refused);
    const tomorrow = new Date(clock.now());
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(body).toMatchObject({ code: 'quota_exceeded', resetsAt: tomorrow.toISOString() });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const usage = await json(await server.admin(`/admin/keys/${id}`));
    expect(usage.usage).toMatchObject({ used: 3, limit: 3, period: 'day', resetsAt: tomorrow.toISOString() });
  });

  it('gives a fresh quota once its period has ended', async () => {
    const { id, key } = await createKey(server, {
      name: 'daily',
      rateLimit: { rate: 1000, burst: 1000 },
      quota: { limit: 1, period: 'day' },
    });
    expect((await ping(server, key)).status).toBe(200);
    const refused = await json(await ping(server, key));
    expect(refused).toMatchObject({ code: 'quota_exceeded' });
    clock.advance(Date.parse(refused.resetsAt) - clock.now());
    expect((await ping(server, key)).status).toBe(200);
    expect((await ping(server, key)).status).toBe(429);
    const usage = await json(await server.admin(`/admin/keys/${id}`));
    expect(Date.parse(usage.usage.resetsAt) - Date.parse(refused.resetsAt)).toBe(86_400_000);
  });
});

describe.each(engines)('quota usage across a restart ($name)', (engine) => {
  it('survives stopping and starting the server', async () => {
    const first = await startTestServer({ engine, dataDir: tempDir() });
    const { id, key } = await createKey(first, { name: 'durable', quota: { limit: 2, period: 'month' } });
    expect((await ping(first, key)).status).toBe(200);
    expect((await ping(first, key)).status).toBe(200);
    await first.stop();

    const second = await startTestServer({ engine, dataDir: first.dataDir, apiKey: first.apiKey });
    try {
      expect(second.banner).toBe('');
      const refused = await ping(second, key);
      expect(refused.status).toBe(429);
      expect(await json(refused)).toMatchObject({ code: 'quota_exceeded' });
      expect((await json(await second.admin(`/admin/keys/${id}`))).usage).toMatchObject({ used: 2, limit: 2, period: 'month' });
    } finally {
      await second.stop();
      await removeTestData(first.dataDir, engine);
    }
  });
});
