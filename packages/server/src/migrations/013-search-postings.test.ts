import { afterAll, describe, expect, it } from 'vitest';
import { documentRow } from '../search/documents.js';
import { parseQuery } from '../search/query.js';
import { embedded } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import { openReleaseBefore } from '../testing/upgrades.js';
import { migrate } from './migrate.js';

const at = 1_700_000_000_000;
const WORDS = ['walrus', 'tusks', 'ice', 'floe', 'arctic', 'swimming', 'swims', 'Café'];

/**
 * An upgrade: documents indexed by the release before migration 013 (FTS5 only) get their impact
 * postings, and a one-word search then answers exactly what FTS5's own ranking answers.
 */
describe('upgrading to impact postings (embedded)', () => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, embedded));

  it('fills the postings of every indexed document, ranking as FTS5 ranks', async () => {
    const { storage } = await openReleaseBefore(embedded, dataDir, '012-session-logins-and-secrets');
    try {
      const rows = Array.from({ length: 60 }, (_, i) => {
        const pick = (n: number) => Array.from({ length: n }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
        return documentRow(
          {
            noteId: `n${i}`,
            ownerId: i % 3 === 0 ? 'idn_bob' : 'idn_alice',
            visibility: i % 4 === 0 ? 'public' : 'private',
            headline: pick(1 + (i % 4)),
            text: pick(2 + (i % 9)),
            version: 1,
            updatedAt: new Date(at),
            removed: false,
          },
          at,
        );
      });
      await storage.database.db.insertInto('search_documents').values(rows).execute();
      await migrate(storage.database);

      const index = storage.searchIndex;
      for (const word of ['walrus', 'swim', 'cafe', 'arctic']) {
        for (const scope of [{ kind: 'owner', ownerId: 'idn_alice' }, { kind: 'public' }] as const) {
          const postings = await index.search(parseQuery(word), scope, { limit: 100 });
          const fts5 = await index.search(parseQuery(`${word} -absentword`), scope, { limit: 100 });
          expect(postings.hits.length).toBeGreaterThan(0);
          expect(postings.hits.map((hit) => [hit.noteId, hit.score])).toEqual(fts5.hits.map((hit) => [hit.noteId, hit.score]));
        }
      }
    } finally {
      await storage.close();
    }
  });
});
