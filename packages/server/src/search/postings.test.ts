import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { migrate } from '../migrations/migrate.js';
import { dataLayout } from '../runtime/layout.js';
import { openStorage, type Storage } from '../runtime/storage.js';
import { embedded } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import type { IndexEntry, SearchPosition, SearchScope } from './index.js';
import { parseQuery } from './query.js';

const WORDS = ['otter', 'otters', 'river', 'stone', 'shell', 'kelp', 'tide', 'public'];
const OWNERS = ['idn_a', 'idn_b'];

/**
 * Impact postings (postings.sqlite.ts) against FTS5's ranking of every match, on the same index:
 * after any sequence of writes, rewrites and removals, a one-word query pages through exactly the
 * hits, scores and order that the FTS5 query gives (an exclusion of an absent word takes that path).
 */
describe('one-word search through impact postings (embedded)', () => {
  const dataDir = tempDir();
  let storage: Storage;

  beforeAll(async () => {
    const config = parseConfig({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...(await embedded.prepare(dataDir)) });
    storage = await openStorage(config, dataLayout(dataDir), () => {});
    await migrate(storage.database);
  });
  afterAll(async () => {
    await storage.close();
    removeTestData(dataDir, embedded);
  });

  const text = fc.array(fc.constantFrom(...WORDS), { minLength: 0, maxLength: 12 }).map((words) => words.join(' '));
  const entry = fc.record({
    note: fc.integer({ min: 0, max: 15 }),
    owner: fc.constantFrom(...OWNERS),
    removed: fc.boolean(),
    headline: text,
    text,
    visibility: fc.constantFrom('private' as const, 'public' as const),
  });

  const pages = async (q: string, scope: SearchScope, limit: number) => {
    const hits: [string, string, number][] = [];
    let after: SearchPosition | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const page = await storage.searchIndex.search(parseQuery(q), scope, { limit, after });
      hits.push(...page.hits.map((hit) => [hit.ownerId, hit.noteId, hit.score] as [string, string, number]));
      if (!page.next) break;
      after = page.next;
    }
    return hits;
  };

  it('pages through what FTS5 ranks, after any writes', async () => {
    let version = 1;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 4 }), async (entries, limit) => {
        const batch: IndexEntry[] = entries.map((e) => {
          const key = { noteId: `n${e.note}`, ownerId: e.owner, version: version++ };
          return e.removed
            ? { ...key, removed: true }
            : { ...key, removed: false, headline: e.headline, text: e.text, visibility: e.visibility, updatedAt: new Date() };
        });
        await storage.searchIndex.apply(batch);
        for (const word of ['otter', 'river', 'public', 'kelp']) {
          for (const scope of [{ kind: 'owner', ownerId: 'idn_a' }, { kind: 'public' }] as const) {
            expect(await pages(word, scope, limit)).toEqual(await pages(`${word} -absentword`, scope, limit));
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
