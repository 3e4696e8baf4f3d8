import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { apiClient, json, ownRedisPrefix, removeTestData, runCli, TEST_ADMIN_TOKEN, tempDir } from '../testing/harness.js';
import { bearer, createGuest, postJson } from '../testing/identity.js';
import { type ServeProcess, spawnServe } from '../testing/processes.js';
import { eventually } from '../testing/shoebox.js';
import { openEventStream } from '../testing/sse.js';

const GUESTS_PER_ADDRESS = 4;

/** One request on a connection of its own, so node:cluster may hand it to any HTTP process. */
const status = (url: string, method: string, path: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const target = new URL(path, url);
    request(target, { method, headers, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });

const count = (statuses: number[], wanted: number) => statuses.filter((s) => s === wanted).length;

/** The pids of a serve's HTTP processes, from their ready lines. */
const httpPids = (serve: ServeProcess) =>
  [...serve.stdout().matchAll(/"pid":(\d+),"msg":"HTTP process listening"/g)].map((m) => Number(m[1]));

describe.each(engines)('shoebox serve with SHOEBOX_HTTP_PROCESSES=2 ($name)', (engine) => {
  const dataDir = tempDir();
  let serve: ServeProcess;
  let apiKey: string;

  beforeAll(async () => {
    serve = await spawnServe({
      SHOEBOX_DATA_DIR: dataDir,
      SHOEBOX_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      SHOEBOX_LOG_LEVEL: 'info',
      ...(await engine.prepare(dataDir)),
      ...ownRedisPrefix('http-processes'),
      SHOEBOX_GUESTS_PER_ADDRESS: String(GUESTS_PER_ADDRESS),
      SHOEBOX_HTTP_PROCESSES: '2',
    });
    apiKey = /API key: +(sbk_[A-Za-z0-9_-]{43})/.exec(serve.stdout())?.[1] ?? '';
  });
  afterAll(async () => {
    await serve?.stop('SIGKILL');
    await removeTestData(dataDir, engine);
  });

  it('makes the deployment once and serves from two processes on one port', async () => {
    expect(serve.stdout().match(/Save these secrets now/g)).toHaveLength(1);
    await eventually(async () => httpPids(serve).length === 2);
    expect(new Set(httpPids(serve)).size).toBe(2);
    expect(serve.stdout()).toMatch(/"httpProcesses":2.*"msg":"Shoebox is listening"/);
  });

  it('indexes and pushes live what either process writes: the primary processes the stream', async () => {
    const client = apiClient(serve.url, apiKey);
    const alice = await createGuest(client);
    const listening = await openEventStream(client, alice.accessToken);
    try {
      const written = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const response = await postJson(
            client,
            '/v1/notes',
            { headline: `quokka ${i}`, text: 'from any process' },
            bearer(alice.accessToken),
          );
          expect(response.status).toBe(201);
          return (await json(response)).noteId as string;
        }),
      );
      await eventually(async () => {
        const found = await json(await client.v1('/v1/search?q=quokka&limit=50', { headers: bearer(alice.accessToken) }));
        return found.hits.length === written.length;
      }, 50);
      await eventually(async () => listening.events.filter((e) => e.event === 'note.created').length === written.length, 50);
      expect(new Set(listening.events.map((e) => e.data.data.noteId))).toEqual(new Set(written));
    } finally {
      listening.close();
    }
  });

  it('shares one token bucket per API key between the processes', async () => {
    const created = await fetch(`${serve.url}/admin/keys`, {
      method: 'POST',
      headers: { ...bearer(TEST_ADMIN_TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tight', rateLimit: { rate: 0.01, burst: 5 } }),
    });
    expect(created.status).toBe(201);
    const { key } = await json(created);
    const statuses = await Promise.all(Array.from({ length: 24 }, () => status(serve.url, 'GET', '/v1/ping', { 'x-api-key': key })));
    // One bucket of 5 whichever process answers; a bucket per process would let 10 through.
    expect(count(statuses, 200)).toBe(5);
    expect(count(statuses, 429)).toBe(19);
  });

  it('counts guests per client address across the processes', async () => {
    const other = await fetch(`${serve.url}/admin/keys`, {
      method: 'POST',
      headers: { ...bearer(TEST_ADMIN_TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'guests' }),
    });
    const { key } = await json(other);
    const statuses = await Promise.all(Array.from({ length: 12 }, () => status(serve.url, 'POST', '/v1/identities', { 'x-api-key': key })));
    // Earlier tests made one guest from this address already.
    expect(count(statuses, 201)).toBe(GUESTS_PER_ADDRESS - 1);
    expect(count(statuses, 429)).toBe(12 - (GUESTS_PER_ADDRESS - 1));
  });

  it('serves the metrics of every process together, whichever process answers', async () => {
    const scrape = async () => {
      const response = await fetch(`${serve.url}/metrics`, { headers: bearer(TEST_ADMIN_TOKEN) });
      expect(response.status).toBe(200);
      return response.text();
    };
    const requests = (text: string) =>
      [...text.matchAll(/^shoebox_http_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    const first = await scrape();
    // The primary's stream metrics beside the HTTP processes' request counts.
    expect(first).toMatch(/^shoebox_stream_processed_total\{consumer="search"\} \d+$/m);
    const before = requests(first);
    await Promise.all(Array.from({ length: 10 }, () => status(serve.url, 'GET', '/healthz', {})));
    // Every request of both processes counts, the scrape before this one included.
    expect(requests(await scrape())).toBeGreaterThanOrEqual(before + 11);
  });

  it('replaces an HTTP process that dies, and keeps serving meanwhile', async () => {
    const [victim] = httpPids(serve);
    process.kill(victim as number, 'SIGKILL');
    await eventually(async () => httpPids(serve).length === 3);
    expect(serve.stdout()).toContain('an HTTP process ended unexpectedly: starting another');
    const statuses = await Promise.all(Array.from({ length: 6 }, () => status(serve.url, 'GET', '/healthz', {})));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('stops every process on SIGTERM, letting them finish, and exits 0', async () => {
    expect(await serve.stop('SIGTERM')).toBe(0);
    for (const pid of httpPids(serve)) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('SHOEBOX_HTTP_PROCESSES values', () => {
  it('refuses a count that is not auto or 1 to 64, saying what it expects', async () => {
    const dataDir = tempDir();
    try {
      const result = await runCli(['serve'], { env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_HTTP_PROCESSES: 'many' } });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('SHOEBOX_HTTP_PROCESSES');
      expect(result.stderr).toContain('expected auto (one per core) or a whole number from 1 to 64');
    } finally {
      await removeTestData(dataDir);
    }
  });
});
