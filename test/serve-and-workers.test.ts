import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../packages/server/src/config/config.js';
import { openShoebox } from '../packages/server/src/runtime/shoebox.js';
import { streamStatus } from '../packages/server/src/stream/status.js';
import { scaleOut } from '../packages/server/src/testing/engines.js';
import { json, removeTestData, tempDir } from '../packages/server/src/testing/harness.js';
import { ROOMY_PLAN } from '../packages/server/src/testing/identity.js';
import { scaleOutProcessEnv, spawnServe, spawnWorker, type WorkerProcess } from '../packages/server/src/testing/processes.js';
import { eventually } from '../packages/server/src/testing/shoebox.js';

const hasPostgres = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL);
const ADMIN = 'workers-test-admin-token-0123456789abcdef';
const NOTES_PER_ROUND = 15;

const dataDir = tempDir();
afterAll(() => removeTestData(dataDir, scaleOut));

describe.skipIf(!hasPostgres)('shoebox serve --no-worker with two shoebox worker processes (PostgreSQL)', () => {
  it('leaves the stream to the workers, one working at a time, the other taking over when it is killed', async () => {
    const env = { ...ROOMY_PLAN, ...(await scaleOutProcessEnv(dataDir, ADMIN)) };
    const api = await spawnServe(env, ['--no-worker']);
    const observer = await openShoebox(parseConfig({ ...env, SHOEBOX_LOG_LEVEL: 'silent' }));
    const workers: WorkerProcess[] = [];
    try {
      expect(api.stdout()).toMatch(/"worker":false.*"msg":"Shoebox is listening"/);
      // No SHOEBOX_PUBLIC_URL: each process would name its own address as token issuer, and it says so.
      expect(api.stdout()).toContain('SHOEBOX_PUBLIC_URL is not set');
      const apiKey = /API key: +(sbk_[A-Za-z0-9_-]{43})/.exec(api.stdout())?.[1] ?? '';
      const guest = await json(await fetch(`${api.url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': apiKey } }));
      const headers = { 'x-api-key': apiKey, authorization: `Bearer ${guest.accessToken}`, 'content-type': 'application/json' };
      const post = async (word: string) => {
        for (let i = 0; i < NOTES_PER_ROUND; i++) {
          const response = await fetch(`${api.url}/v1/notes`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ headline: `${word} ${i}`, text: 'written through the API process' }),
          });
          expect(response.status).toBe(201);
        }
      };
      const searchable = (word: string) =>
        eventually(async () => {
          const response = await fetch(`${api.url}/v1/search?q=${word}&limit=50`, { headers });
          return (await json(response)).hits.length === NOTES_PER_ROUND;
        }, 50);
      const leaseHolder = async () => (await streamStatus(observer.database, ['search']))[0]?.leaseHolder;

      await post('alpha');
      workers.push(await spawnWorker(env), await spawnWorker(env));
      await searchable('alpha');
      // A lease is held only while its holder works (and briefly after): keep it busy until the one working shows.
      let round = 0;
      const working = await eventually(async () => {
        await post(`busy${round++}`);
        const holder = await leaseHolder();
        return workers.find((w) => w.holder === holder);
      });
      const standby = workers.find((w) => w !== working) as WorkerProcess;

      await working.stop('SIGKILL');
      await post('bravo');
      // Only the standby is left to index: the killed worker's lease lapsed and the standby took the consumer.
      await searchable('bravo');
      expect([standby.holder, null]).toContain(await leaseHolder());

      expect(await standby.stop()).toBe(0);
      expect(await leaseHolder()).toBeNull();
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await observer.close();
      await api.stop();
    }
  });
});
