import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MARK_END, MARK_START } from './index.js';
import { termsExpression } from './match.sqlite.js';
import { parseQuery, type SearchQuery } from './query.js';
import { Fts5Tokenizer } from './tokens.sqlite.js';

// Stems shared by several spellings, prefixes of one another, short words porter leaves alone, digits.
const WORDS = ['run', 'Runs', 'RUNNING', 'runner', 'kelp', 'kelps', 'tide', 'tidal', 'happy', 'happiness', 'a', 'I', 'x1', '2024', 'the'];
// Words porter rewrites the most of: whole suffixes replaced, words that are nearly all suffix.
// Query words that fold to ASCII ones, and words longer than porter stems (64 bytes).
const FOLDED = ['cafe', 'Café', 'CAFÉ', 'naive', 'naïve', 'Rún', 'run', 'silicovolcanoconiosis', 'silicovolcanoconiosis'.repeat(4)];
const STEMMED = [
  'sensibilities',
  'Sensible',
  'ies',
  'sses',
  'generalizations',
  'relational',
  'hoping',
  'troubled',
  'y',
  'by',
  'eed',
  'ing',
  'agreed',
  'Skies',
  'sky',
];
const SEPARATORS = [' ', '  ', '. ', ': ', ', ', '.\n', ':', '-', '\t', '... ', '!', ' (', ') ', '.', ':  '];

/**
 * Marks made in JavaScript (marks.sqlite.ts) against FTS5's own highlight() and snippet() on an
 * FTS5 table with the index's tokenizer: for any texts and any query, the same marks, byte for byte.
 */
describe('matches marked in JavaScript, as FTS5 marks them', () => {
  const oracle = new SQLite(':memory:');
  oracle.exec(`create virtual table t using fts5(headline, text, tokenize = 'porter unicode61 remove_diacritics 2')`);
  const insert = oracle.prepare('insert into t(rowid, headline, text) values (?, ?, ?)');
  const marked = oracle.prepare(`select rowid, highlight(t, 0, ?, ?) as headline, snippet(t, 1, ?, ?, '…', ?) as text
    from t where t match ? order by rowid`);
  afterAll(() => oracle.close());

  const fts5Marks = (documents: readonly { headline: string; text: string }[], query: SearchQuery, tokens: number) => {
    oracle.exec('delete from t');
    for (const [i, d] of documents.entries()) insert.run(i + 1, d.headline, d.text);
    const rows = marked.all(MARK_START, MARK_END, MARK_START, MARK_END, tokens, termsExpression(query)) as {
      rowid: number;
      headline: string;
      text: string;
    }[];
    return new Map(rows.map((row) => [row.rowid, { headline: row.headline, text: row.text }]));
  };

  const text = (vocabulary: readonly string[], maxWords: number) =>
    fc
      .tuple(
        fc.constantFrom('', ...SEPARATORS),
        fc.array(fc.tuple(fc.constantFrom(...vocabulary), fc.constantFrom(...SEPARATORS)), { maxLength: maxWords }),
        fc.constantFrom('', ...SEPARATORS),
      )
      .map(([lead, words, trail]) => lead + words.map(([word, separator]) => word + separator).join('') + trail);
  const query = (vocabulary: readonly string[]) => {
    const word = fc.constantFrom(...vocabulary);
    const item = fc.oneof(
      word,
      word.filter((w) => w.length >= 2).map((w) => `${w.slice(0, 2 + (w.length % 3))}*`),
      fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`),
      fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"*`),
      word.map((w) => `-${w}`),
      word.map((w) => `OR ${w}`),
    );
    return fc
      .array(item, { minLength: 1, maxLength: 4 })
      .map((items) => items.join(' '))
      .filter((q) => {
        try {
          parseQuery(q);
          return true;
        } catch {
          return false;
        }
      })
      .map(parseQuery);
  };

  it.each([
    ['everyday words', WORDS],
    ['words porter rewrites the most of', STEMMED],
    ['accented and overlong words', FOLDED],
  ])('marks the same words and cuts the same snippet for any ASCII texts and query: %s', (_, vocabulary) => {
    const tokenizer = new Fts5Tokenizer();
    fc.assert(
      fc.property(
        fc.array(fc.record({ headline: text(vocabulary, 6), text: text(vocabulary, 40) }), { minLength: 1, maxLength: 4 }),
        query(vocabulary),
        fc.constantFrom(3, 5, 24),
        (documents, q, tokens) => {
          const mine = tokenizer.marks(
            documents.map((d, i) => ({ docId: i + 1, ...d })),
            q,
            tokens,
          );
          expect(mine).toEqual(fts5Marks(documents, q, tokens));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('leaves texts beyond ASCII to FTS5, beside ASCII ones in the same page', () => {
    const tokenizer = new Fts5Tokenizer();
    const documents = [
      { docId: 1, headline: 'Café run', text: 'Crème brûlée after the run. Running again: the runner ran.' },
      { docId: 2, headline: 'Morning run', text: 'Running shoes and a photo album.' },
      { docId: 3, headline: 'Nothing here', text: 'No match at all.' },
    ];
    const q = parseQuery('runs');
    expect(tokenizer.marks(documents, q, 5)).toEqual(fts5Marks(documents, q, 5));
    expect([...tokenizer.marks(documents, q, 5).keys()].sort()).toEqual([1, 2]);
  });
});
