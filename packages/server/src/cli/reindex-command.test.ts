import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { openShoebox } from '../runtime/shoebox.js';
import { parseQuery } from '../search/query.js';
import { engines } from '../testing/engines.js';
import { removeTestData, runCli, tempDir } from '../testing/harness.js';
import { seedIdentities } from '../testing/identity.js';

describe.each(engines)('shoebox reindex ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  it('rebuilds the index from the notes table, dropping entries of notes that do not exist', async () => {
    const env = { SHOEBOX_DATA_DIR: dataDir, ...(await engine.prepare(dataDir)) };
    const shoebox = await openShoebox(parseConfig(env));
    await seedIdentities(shoebox, 'idn_r');
    for (let i = 0; i < 1200; i++) await shoebox.notes.put('idn_r', `n${i}`, { headline: `reindexed ${i}`, text: 'body' });
    await shoebox.notes.delete('idn_r', 'n7');
    // An index that never saw the stream, with one entry for a note that never existed.
    await shoebox.searchIndex.apply([
      {
        noteId: 'ghost',
        ownerId: 'idn_r',
        visibility: 'private',
        headline: 'reindexed ghost',
        text: '',
        version: 1,
        updatedAt: new Date(),
        removed: false,
      },
    ]);
    await shoebox.close();

    const result = await runCli(['reindex', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 1200, done: 1200, purged: 1 });
    const text = await runCli(['reindex'], { env });
    expect(text.stdout).toMatch(/^Reindexed 1200 note\(s\) in [\d.]+ s; removed 0 entry\(ies\) of notes that no longer exist\.\n$/);

    const reopened = await openShoebox(parseConfig(env));
    try {
      const search = (q: string, limit = 100) => reopened.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId: 'idn_r' }, { limit });
      expect((await search('reindexed', 2000)).hits).toHaveLength(1199);
      expect((await search('ghost')).hits).toEqual([]);
      expect((await search('"reindexed 7"')).hits).toEqual([]);
    } finally {
      await reopened.close();
    }
  });
});
