import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { parseQuery } from '../search/query.js';
import { scaleOut } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import { seedIdentities } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';

const hasPostgres = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL);

describe.skipIf(!hasPostgres)('PostgreSQL doorbell (LISTEN/NOTIFY)', () => {
  const dataDir = tempDir();
  let writer: Shoebox;
  let worker: Shoebox;
  beforeAll(async () => {
    const env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...(await scaleOut.prepare(dataDir)) };
    writer = await openShoebox(parseConfig(env));
    await seedIdentities(writer, 'idn_n');
    // Polls so rarely that only a notification can wake it within the test.
    worker = await openShoebox(parseConfig({ ...env, SHOEBOX_STREAM_POLL_MS: '600000', SHOEBOX_STREAM_LEASE_MS: '1200000' }));
  });
  afterAll(async () => {
    await worker.close();
    await writer.close();
    await removeTestData(dataDir, scaleOut);
  });

  it("wakes a processor of another Shoebox (its own connections and doorbell) at each of the writer's commits, with no polling", async () => {
    worker.processor.start();
    const found = async (q: string) =>
      (await worker.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId: 'idn_n' }, { limit: 10 })).hits.map((h) => h.noteId);
    for (const word of ['first', 'second', 'third']) {
      await writer.notes.put('idn_n', word, { headline: `${word} note`, text: 'rung across processes' });
      expect(await eventually(async () => (await found(word)).length > 0 && found(word))).toEqual([word]);
    }
  });
});
