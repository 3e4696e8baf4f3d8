import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { openShoebox } from '../runtime/shoebox.js';
import { parseQuery } from '../search/query.js';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import { seedIdentities } from '../testing/identity.js';
import { spawnWorker } from '../testing/processes.js';
import { eventually } from '../testing/shoebox.js';

describe.each(engines)('shoebox worker ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  it('processes the stream alone, picking up writes of other processes, and stops on SIGTERM', async () => {
    const env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...(await engine.prepare(dataDir)) };
    const shoebox = await openShoebox(parseConfig(env));
    try {
      await seedIdentities(shoebox, 'idn_w');
      await shoebox.notes.put('idn_w', 'before', { headline: 'written before the worker started', text: '' });
      const worker = await spawnWorker({ ...env, SHOEBOX_LOG_LEVEL: 'info', SHOEBOX_STREAM_POLL_MS: '50' });
      // Written by this process, which runs no processor: only the worker can index it.
      await shoebox.notes.put('idn_w', 'after', { headline: 'written while the worker polls', text: '' });
      const search = async (q: string) =>
        (await shoebox.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId: 'idn_w' }, { limit: 10 })).hits.map((h) => h.noteId);
      await eventually(async () => (await search('written')).length === 2, 50);
      expect((await search('before')).concat(await search('polls'))).toEqual(['before', 'after']);

      expect(await worker.stop()).toBe(0);
      // It gave its lease back on the way out.
      expect((await streamStatus(shoebox.database, ['search']))[0]).toMatchObject({ lagChanges: 0, leaseHolder: null });
    } finally {
      await shoebox.close();
    }
  });
});
