import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { openShoebox } from '../runtime/shoebox.js';
import { scaleOut } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';

const hasPostgres = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL);
const PROCESSES = 5;
const ROUNDS = 3;

describe.skipIf(!hasPostgres)('opening PostgreSQL', () => {
  it('lets several processes start at once on a fresh database: schema and migrations settle between them', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dataDir = tempDir();
      try {
        const env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...(await scaleOut.prepare(dataDir)) };
        // Each open has its own pool, as each process of a deployment would.
        const opened = await Promise.allSettled(Array.from({ length: PROCESSES }, () => openShoebox(parseConfig(env))));
        await Promise.all(opened.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
        expect(opened.map((result) => (result.status === 'rejected' ? String(result.reason) : 'opened'))).toEqual(
          Array(PROCESSES).fill('opened'),
        );
      } finally {
        await removeTestData(dataDir, scaleOut);
      }
    }
  });
});
