import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { startServer } from '../runtime/server.js';
import { scaleOut } from '../testing/engines.js';
import { json, removeTestData, startTestServer, type TestServer, tempDir } from '../testing/harness.js';

const hasScaleOut = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL && process.env.SHOEBOX_TEST_REDIS_URL);
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

const ping = (server: TestServer, key: string) => fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': key } });

describe.skipIf(!hasScaleOut)('usage plans shared through Redis by several API processes', () => {
  const dataDir = tempDir();
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    first = await startTestServer({ engine: scaleOut, dataDir });
    second = await startTestServer({ engine: scaleOut, dataDir, apiKey: first.apiKey });
  });
  afterAll(async () => {
    await first.stop();
    await second.stop();
    await removeTestData(dataDir, scaleOut);
  });

  it('holds a token bucket across processes', async () => {
    const created = await first.admin('/admin/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shared', rateLimit: { rate: 0.01, burst: 4 } }),
    });
    const { key } = await json(created);
    const statuses = [];
    for (const server of [first, second, first, second, first, second]) statuses.push((await ping(server, key)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it('holds a quota across processes', async () => {
    const created = await second.admin('/admin/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'shared quota', quota: { limit: 3, period: 'day' } }),
    });
    const { id, key } = await json(created);
    for (const server of [first, second, first]) expect((await ping(server, key)).status).toBe(200);
    const refused = await ping(second, key);
    expect(refused.status).toBe(429);
    expect(await json(refused)).toMatchObject({ code: 'quota_exceeded' });
    expect((await json(await first.admin(`/admin/keys/${id}`))).usage).toMatchObject({ used: 3, limit: 3 });
  });
});

describe.skipIf(!hasRedisServer)('when Redis fails', () => {
  let redis: ChildProcess;
  let server: TestServer;
  const port = 16379 + Math.floor(Math.random() * 1000);
  beforeAll(async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    server = await startTestServer({ env: { SHOEBOX_REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    redis.kill('SIGKILL');
    await server.stop();
  });

  it('fails open to per-process limits, logs the outage once and counts it', async () => {
    expect((await server.v1('/v1/ping')).status).toBe(200);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const during = await Promise.all([server.v1('/v1/ping'), server.v1('/v1/ping'), server.v1('/v1/ping')]);
    expect(during.map((response) => response.status)).toEqual([200, 200, 200]);
    const metrics = await (await server.admin('/metrics')).text();
    expect(metrics).toMatch(/shoebox_store_fallbacks_total\{store="redis"\} [1-9]/);
    const warnings = server.logs.filter((line) => line.store === 'redis' && line.level === 40);
    expect(warnings).toHaveLength(1);
  });
});

describe('engines that cannot work', () => {
  it.each([
    {
      name: 'an unreachable Redis',
      env: { SHOEBOX_REDIS_URL: 'redis://127.0.0.1:1' },
      message: 'Cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED',
    },
    {
      name: 'an unreachable PostgreSQL',
      env: { SHOEBOX_DATABASE_URL: 'postgres://shoebox:secret@127.0.0.1:1/shoebox' },
      message: 'Cannot reach PostgreSQL at postgres://shoebox:redacted@127.0.0.1:1/shoebox',
    },
  ])('stop the start with a clear message: $name', async ({ env, message }) => {
    const dataDir = tempDir();
    const config = parseConfig({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_PORT: '0', SHOEBOX_LOG_LEVEL: 'silent', ...env });
    await expect(startServer(config)).rejects.toThrow(message);
    await removeTestData(dataDir);
  });
});
