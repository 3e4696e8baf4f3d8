import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../db/postgres.js';
import { engines } from '../testing/engines.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { type IndexEntry, MARK_END, MARK_START, type SearchHit, type SearchIndex, type SearchPosition, type SearchScope } from './index.js';
import { PostgresSearchIndex } from './index.postgres.js';
import { SqliteSearchIndex } from './index.sqlite.js';
import { parseQuery } from './query.js';

// The search index's engines (index.sqlite.ts: FTS5 and its impact postings; index.postgres.ts:
// tsvector), one suite over both: for a fixed corpus and the query language's every feature, the
// same hits, the same order of relevance classes, the same highlights and the same pages.
// Scores are the engines' own (bm25, ts_rank) and differ, so exact ties may come in another order.

const ALICE = 'idn_alice';
const BOB = 'idn_bob';

const note = (
  ownerId: string,
  noteId: string,
  headline: string,
  text: string,
  visibility: 'private' | 'public' = 'private',
): IndexEntry => ({
  noteId,
  ownerId,
  visibility,
  headline,
  text,
  version: 1,
  updatedAt: new Date(Date.UTC(2026, 0, 1)),
  removed: false,
});

/** `prefix` numbered from `from` up to (not including) `to`, as words of a text. */
const words = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`).join(' ');
/** Thirty words each side of a match: longer than a snippet. */
const LONG_TEXT = `${words('before', 0, 30)} the lighthouse keeper waved ${words('after', 0, 30)}`;

const CORPUS: IndexEntry[] = [
  note(ALICE, 'beach-head', 'Beach day', 'Sun and sand.'),
  note(ALICE, 'beach-text', 'Weekend', 'Beach volleyball with the whole team.'),
  note(ALICE, 'harbour', 'Harbour walk', 'Notes about the harbour and the beach.', 'public'),
  note(ALICE, 'cafe', 'Café au lait', 'Crème brûlée at the café.'),
  note(ALICE, 'running', 'Morning run', 'Running shoes and a photo album.'),
  note(ALICE, 'photos', 'Photography club', 'Photographs of the harbour at dawn.'),
  note(ALICE, 'long', 'Logbook', LONG_TEXT),
  note(ALICE, 'lantern-ascii', 'Lantern night', 'Paper lanterns, ten of them.'),
  note(ALICE, 'lantern-accented', 'Fête des lanterns', 'Lanterns à la fête.'),
  note(BOB, 'bob-secret', 'Beach secrets', 'Only for Bob.'),
  note(BOB, 'bob-public', 'Public beach', 'Open to everyone.', 'public'),
  ...Array.from({ length: 12 }, (_, i) => note(ALICE, `pager-${String(i).padStart(2, '0')}`, 'Pager', 'pagination filler')),
];

const mine = (ownerId = ALICE): SearchScope => ({ kind: 'owner', ownerId });
const everyone: SearchScope = { kind: 'public' };

/**
 * Marks as brackets, to read and compare. FTS5 marks a phrase's words as one span, ts_headline
 * each word apart: the contract is which words are marked, so marks with only spaces between
 * them read as one.
 */
const plain = (marked: string) =>
  marked
    .replaceAll(MARK_START, '[')
    .replaceAll(MARK_END, ']')
    .replace(/\](\s+)\[/g, '$1');

describe.each(engines)('search index ($name)', (engine) => {
  let shoebox: TestShoebox;
  let index: SearchIndex;
  beforeAll(async () => {
    shoebox = await openTestShoebox(engine);
    index = shoebox.searchIndex;
    await index.apply(CORPUS);
  });
  afterAll(() => shoebox.dispose());

  const search = async (q: string, scope: SearchScope = mine(), limit = 100) => (await index.search(parseQuery(q), scope, { limit })).hits;
  const ids = async (q: string, scope?: SearchScope) => (await search(q, scope)).map((hit) => hit.noteId).sort();

  it.each([
    { name: 'one word', q: 'volleyball', expected: ['beach-text'] },
    { name: 'every word must match', q: 'beach volleyball', expected: ['beach-text'] },
    { name: 'stemming', q: 'runs', expected: ['running'] },
    { name: 'a phrase', q: '"whole team"', expected: ['beach-text'] },
    { name: 'a phrase in another order does not match', q: '"team whole"', expected: [] },
    { name: 'a prefix', q: 'photo*', expected: ['photos', 'running'] },
    { name: 'an exclusion', q: 'beach -volleyball', expected: ['beach-head', 'harbour'] },
    { name: 'an excluded phrase', q: 'beach -"whole team"', expected: ['beach-head', 'harbour'] },
    { name: 'OR', q: 'volleyball OR sand', expected: ['beach-head', 'beach-text'] },
    { name: 'OR beside a word that must match', q: 'harbour dawn OR walk', expected: ['harbour', 'photos'] },
    { name: 'accents folded in the query', q: 'CAFÉ', expected: ['cafe'] },
    { name: 'accents folded in the notes', q: 'creme brulee', expected: ['cafe'] },
    { name: 'a word no note has', q: 'nothingmatches', expected: [] },
    { name: 'operators of the engines are plain words', q: 'beach NEAR(sand', expected: [] },
    { name: 'column names are plain words', q: 'headline:beach', expected: [] },
  ])('$name: $q', async ({ q, expected }) => {
    expect(await ids(q)).toEqual(expected);
  });

  it("searches the owner's notes only, or every public note", async () => {
    expect(await ids('beach', mine(BOB))).toEqual(['bob-public', 'bob-secret']);
    expect(await ids('secrets')).toEqual([]);
    expect(await ids('beach', everyone)).toEqual(['bob-public', 'harbour']);
    expect(await ids('secrets OR sand', everyone)).toEqual([]);
    // A scope's own word is no search term: only a note that says "public" has it.
    expect(await ids('public', mine(BOB))).toEqual(['bob-public']);
    expect(await ids('public')).toEqual([]);
  });

  it('ranks a match in the headline above a match in the text alone', async () => {
    const ranked = (await search('beach')).map((hit) => hit.noteId);
    expect(ranked).toHaveLength(3);
    expect(ranked[0]).toBe('beach-head');
    expect(ranked.slice(1).sort()).toEqual(['beach-text', 'harbour']);
    for (const q of ['beach*', 'beach OR nothingmatches', 'beach -nothingmatches']) {
      expect((await search(q)).map((hit) => hit.noteId)[0]).toBe('beach-head');
    }
    expect((await search('harbour')).map((hit) => hit.noteId)).toEqual(['harbour', 'photos']);
  });

  it('marks the matches: the whole headline and the text around them, folded and stemmed words in their own spelling', async () => {
    const marks = async (q: string, noteId: string) => {
      const hit = (await search(q)).find((found) => found.noteId === noteId) as SearchHit;
      return { headline: plain(hit.marked.headline), text: plain(hit.marked.text) };
    };
    expect(await marks('cafe', 'cafe')).toEqual({ headline: '[Café] au lait', text: 'Crème brûlée at the [café].' });
    expect(await marks('runs', 'running')).toEqual({ headline: 'Morning [run]', text: '[Running] shoes and a photo album.' });
    expect(await marks('photo*', 'photos')).toEqual({ headline: '[Photography] club', text: '[Photographs] of the harbour at dawn.' });
    expect(await marks('beach -sand', 'harbour')).toEqual({ headline: 'Harbour walk', text: 'Notes about the harbour and the [beach].' });
    expect(await marks('volleyball OR sand', 'beach-head')).toEqual({ headline: 'Beach day', text: 'Sun and [sand].' });
    // One page with hits in plain ASCII and with accents, each marked in its own spelling.
    expect(await marks('lantern', 'lantern-ascii')).toEqual({ headline: '[Lantern] night', text: 'Paper [lanterns], ten of them.' });
    expect(await marks('lantern', 'lantern-accented')).toEqual({ headline: 'Fête des [lanterns]', text: '[Lanterns] à la fête.' });
    expect(await marks('"whole team"', 'beach-text')).toEqual({ headline: 'Weekend', text: 'Beach volleyball with the [whole team].' });
  });

  it('cuts a long text to the words around its first match, with … where words were left out', async () => {
    const text = async (q: string) => plain((await search(q)).find((hit) => hit.noteId === 'long')?.marked.text ?? '');
    expect(await text('lighthouse')).toBe(`…${words('before', 20, 30)} the [lighthouse] keeper waved ${words('after', 0, 10)}…`);
    expect(await text('before0')).toBe(`[before0] ${words('before', 1, 24)}…`);
    expect(await text('before3 OR after27')).toBe(`${words('before', 0, 3)} [before3] ${words('before', 4, 24)}…`);
    // Where the engines differ: FTS5's snippet() fills its 24 words from the text before a match
    // that ends the text, and shows the first 24 words when only the headline matched;
    // ts_headline keeps half its window on each side of the match, and shows its MinWords (12)
    // first words when the text has no match. Both answer a run of the text's own words with the
    // match marked, … where words were cut, and between 12 and 24 words.
    for (const [q, end] of [
      ['after29', '[after29]'],
      ['logbook', '…'],
    ] as const) {
      const snippet = await text(q);
      expect(snippet.endsWith(end)).toBe(true);
      const shown = snippet.replace(/^…|…$/g, '').replace(/[[\]]/g, '');
      expect(LONG_TEXT.includes(shown)).toBe(true);
      expect(snippet.startsWith('…')).toBe(!LONG_TEXT.startsWith(shown));
      expect(shown.split(' ').length).toBeGreaterThanOrEqual(12);
      expect(shown.split(' ').length).toBeLessThanOrEqual(24);
    }
  });

  it('gives the hit as the index holds it', async () => {
    const [hit] = await search('harbour walk');
    expect(hit).toMatchObject({
      noteId: 'harbour',
      ownerId: ALICE,
      version: 1,
      headline: 'Harbour walk',
      text: 'Notes about the harbour and the beach.',
      visibility: 'public',
      updatedAt: new Date(Date.UTC(2026, 0, 1)),
    });
    expect(hit?.score).toBeGreaterThan(0);
  });

  it('writes only newer versions, keeps a removal against older ones, and forgets what is purged', async () => {
    const carol = 'idn_carol';
    const version = (n: number, headline: string): IndexEntry => ({ ...note(carol, 'n', headline, 'text'), version: n });
    const held = async () => (await search('text', mine(carol))).map((hit) => [hit.version, hit.headline]);
    const keys = () => index.keys({ ownerId: carol, noteId: '' }, 10);
    await index.apply([version(2, 'second')]);
    await index.apply([version(1, 'first')]);
    await index.apply([version(2, 'again')]);
    expect(await held()).toEqual([[2, 'second']]);
    // The rebuild from the notes table rewrites the same version, to repair it.
    await index.apply([version(2, 'repaired')], 'not-older');
    expect(await held()).toEqual([[2, 'repaired']]);
    // Within one batch, the highest version wins whatever the order.
    await index.apply([version(4, 'fourth'), version(3, 'third')]);
    expect(await held()).toEqual([[4, 'fourth']]);
    await index.apply([{ ownerId: carol, noteId: 'n', version: 5, removed: true }]);
    await index.apply([version(4, 'fourth')]);
    expect(await held()).toEqual([]);
    expect(await keys()).toEqual([{ ownerId: carol, noteId: 'n' }]);
    await index.purge([{ ownerId: carol, noteId: 'n' }]);
    expect(await keys()).toEqual([]);
    await index.apply([version(1, 'first')]);
    expect(await held()).toEqual([[1, 'first']]);
  });

  it.each(['pagination', 'pager OR filler', 'beach', 'harbour OR beach'])(
    'pages through every hit once, in ranking order, whatever the page size: %s',
    async (q) => {
      const all = (await search(q)).map((hit) => hit.noteId);
      expect(all.length).toBeGreaterThan(0);
      for (const limit of [1, 5]) {
        const paged: string[] = [];
        let after: SearchPosition | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const page = await index.search(parseQuery(q), mine(), { limit, after });
          expect(page.hits.length).toBeLessThanOrEqual(limit);
          paged.push(...page.hits.map((hit) => hit.noteId));
          if (!page.next) break;
          after = page.next;
        }
        expect(paged).toEqual(all);
      }
    },
  );
});

describe.each(engines)('search index under concurrent use ($name)', (engine) => {
  it('gives each of many searches at once, interleaved with writes, what it gives alone', async () => {
    const queries = ['beach', 'harbour', 'café', 'running', 'photographs', 'pager', 'volleyball', 'lighthouse', 'sand', 'dawn'];
    const shoebox = await openTestShoebox(engine);
    // Writes change every score (bm25's statistics), not which notes match or how they are marked.
    const matches = (hits: readonly SearchHit[]) =>
      hits.map(({ noteId, marked }) => ({ noteId, marked })).sort((a, b) => a.noteId.localeCompare(b.noteId));
    try {
      await shoebox.searchIndex.apply(CORPUS);
      const alone = [];
      for (const q of queries) alone.push(matches((await shoebox.searchIndex.search(parseQuery(q), mine(), { limit: 20 })).hits));
      // A new index object keeps nothing from the searches above: each word is tokenized anew.
      const fresh =
        shoebox.database.engine === 'sqlite'
          ? new SqliteSearchIndex(shoebox.database)
          : new PostgresSearchIndex(shoebox.database as PostgresDatabase);
      const writes = CORPUS.slice(0, 5).map((entry) => fresh.apply([{ ...entry, ownerId: BOB, noteId: `copy-${entry.noteId}` }]));
      const together = await Promise.all([...queries, ...queries].map((q) => fresh.search(parseQuery(q), mine(), { limit: 20 })));
      await Promise.all(writes);
      expect(together.map((page) => matches(page.hits))).toEqual([...alone, ...alone]);
    } finally {
      await shoebox.dispose();
    }
  });
});
