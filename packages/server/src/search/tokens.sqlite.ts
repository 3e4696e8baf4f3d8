import SQLite from 'better-sqlite3';
import { BoundedMap } from '../shared/bounded-map.js';
import { HEADLINE_WEIGHT, TEXT_WEIGHT } from './bm25.js';
import { MARK_END, MARK_START } from './index.js';
import { type AsciiWords, asciiWords, markDocument, markedQuery, type Phrase, type StemmedColumn } from './marks.sqlite.js';
import { termsExpression } from './match.sqlite.js';
import type { SearchQuery } from './query.js';

/** The tokenizer of search_fts (migration 005): postings must hold exactly the words FTS5 holds. */
const TOKENIZE = `tokenize = 'porter unicode61 remove_diacritics 2'`;

export interface DocumentText {
  readonly docId: number;
  readonly headline: string;
  readonly text: string;
  readonly scope: string;
}

/** A document as bm25 sees it: each headline or text word with its weighted count, and its length in tokens. */
export interface DocumentTerms {
  readonly length: number;
  readonly terms: Map<string, number>;
}

const QUERY_CACHE_SIZE = 10_000;
/** Words of notes, for marking matches: a vocabulary's common words, a few MB at most. */
const STEM_CACHE_SIZE = 50_000;

/**
 * FTS5's own tokenizer, run on scratch FTS5 tables, so no second implementation of porter
 * stemming or unicode61 folding can drift from the index's. The scratch tables live in a private
 * in-memory database, never the database file, and every method fills, reads and empties them in
 * one synchronous call: nothing else can run in between, so concurrent requests never see each
 * other's rows, and scratch work takes no lock and no turn on the shared connection.
 */
export class Fts5Tokenizer {
  private readonly queries = new BoundedMap<string, readonly string[]>(QUERY_CACHE_SIZE);
  private readonly stemOf = new BoundedMap<string, string>(STEM_CACHE_SIZE);

  /** Each document's words and length, as FTS5 indexed them. */
  documents(documents: readonly DocumentText[]): Map<number, DocumentTerms> {
    const result = new Map<number, { length: number; terms: Map<string, number> }>();
    if (documents.length === 0) return result;
    const counts = scratch().words(documents.map((d) => [d.docId, d.headline, d.text, d.scope]));
    for (const d of documents) result.set(d.docId, { length: 0, terms: new Map() });
    for (const { doc, term, col, n } of counts) {
      const entry = result.get(doc);
      if (!entry) continue;
      entry.length += n;
      if (col === 'scope') continue;
      const weight = col === 'headline' ? HEADLINE_WEIGHT : TEXT_WEIGHT;
      entry.terms.set(term, (entry.terms.get(term) ?? 0) + weight * n);
    }
    return result;
  }

  /** The tokens FTS5 makes of a query term, in order (a phrase gives several). Kept for repeated queries. */
  query(text: string): readonly string[] {
    const kept = this.queries.get(text);
    if (kept) return kept;
    const tokens = scratch().tokens(text);
    this.queries.set(text, tokens);
    return tokens;
  }

  /**
   * Each document's headline marked whole and a snippet of its text of about `snippetTokens`
   * tokens, matches of the query's words between MARK_START and MARK_END, as FTS5's highlight()
   * and snippet() make them; a document the words do not match is absent. ASCII documents are
   * marked in JavaScript (marks.sqlite.ts), which spares FTS5 indexing the page; the rest, and every
   * document of a query with a term FTS5 makes no token of, by FTS5 itself.
   */
  marks(
    documents: readonly { docId: number; headline: string; text: string }[],
    query: SearchQuery,
    snippetTokens: number,
  ): Map<number, { headline: string; text: string }> {
    const groups = query.groups.map((group) => group.map((term): Phrase => ({ stems: this.query(term.text), prefix: term.prefix })));
    const marked = markedQuery(groups);
    const byJs = marked.phrases.every((phrase) => phrase.stems.length > 0);
    const result = new Map<number, { headline: string; text: string }>();
    const rest: [docId: number, headline: string, text: string][] = [];
    const ascii: { docId: number; headline: AsciiWords; text: AsciiWords }[] = [];
    for (const d of documents) {
      const headline = byJs ? asciiWords(d.headline, marked.letters) : undefined;
      const text = headline ? asciiWords(d.text, marked.letters) : undefined;
      if (headline && text) ascii.push({ docId: d.docId, headline, text });
      else rest.push([d.docId, d.headline, d.text]);
    }
    const stemmed = this.stemmer(ascii.flatMap((d) => [d.headline, d.text]));
    for (const d of ascii) {
      const marks = markDocument(stemmed(d.headline), stemmed(d.text), marked, snippetTokens);
      if (marks) result.set(d.docId, marks);
    }
    if (rest.length === 0) return result;
    for (const row of scratch().marks(rest, termsExpression(query), snippetTokens)) {
      result.set(row.rowid, { headline: row.headline, text: row.text });
    }
    return result;
  }

  /**
   * Stems the words of these columns: each distinct word looked up once in the cache, the ones it
   * lacks stemmed in one scratch row (an ASCII word is exactly one token); then each column from
   * this page's stems, which a page with more new words than the cache holds cannot evict.
   */
  private stemmer(columns: readonly AsciiWords[]): (column: AsciiWords) => StemmedColumn {
    const stems = new Map<string, string>();
    const unknown: string[] = [];
    for (const { words } of columns) {
      for (const word of words) {
        if (word === '' || stems.has(word)) continue;
        const kept = this.stemOf.get(word);
        stems.set(word, kept ?? word);
        if (kept === undefined) unknown.push(word);
      }
    }
    if (unknown.length > 0) {
      const found = scratch().tokens(unknown.join(' '));
      if (found.length !== unknown.length) throw new Error(`FTS5 made ${found.length} tokens of ${unknown.length} ASCII words`);
      unknown.forEach((word, i) => {
        const stem = found[i] ?? word;
        stems.set(word, stem);
        this.stemOf.set(word, stem);
      });
    }
    return (column) => ({ ...column, stems: column.words.map((word) => stems.get(word) ?? '') });
  }
}

interface WordCount {
  doc: number;
  term: string;
  col: string;
  n: number;
}

interface MarkedRow {
  rowid: number;
  headline: string;
  text: string;
}

/**
 * The process's scratch database and its statements. `words` indexes documents in a contentless
 * table and reads its vocabulary; `marks` indexes a page's rows in a table that keeps their text,
 * as highlight() and snippet() need it. Each runs in a transaction it rolls back, even when it
 * throws (a bad match expression): that drops the rows and their index at once, where deleting
 * them would tokenize them again.
 */
class ScratchDatabase {
  readonly words: (rows: readonly (readonly unknown[])[]) => WordCount[];
  readonly tokens: (text: string) => string[];
  readonly marks: (rows: readonly (readonly unknown[])[], match: string, snippetTokens: number) => MarkedRow[];

  constructor(db: SQLite.Database) {
    db.exec(`
      create virtual table scratch using fts5(headline, text, scope, content='', ${TOKENIZE});
      create virtual table scratch_words using fts5vocab(scratch, instance);
      create virtual table page using fts5(headline, text, ${TOKENIZE});`);
    const fill = db.prepare(`insert into scratch(rowid, headline, text, scope)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(?)`);
    const counts = db.prepare('select doc, term, col, count(*) as n from scratch_words group by doc, term, col');
    const query = db.prepare(`insert into scratch(rowid, headline, text, scope) values (1, ?, '', '')`);
    const queryTokens = db.prepare(`select term from scratch_words where col = 'headline' order by offset`).pluck();
    // A row at a time: for a page's few rows, cheaper than encoding them as JSON for json_each.
    const fillPage = db.prepare('insert into page(rowid, headline, text) values (?, ?, ?)');
    const marked = db.prepare(`select rowid, highlight(page, 0, ?, ?) as headline, snippet(page, 1, ?, ?, '…', ?) as text
      from page where page match ?`);
    const begin = db.prepare('begin');
    const rollback = db.prepare('rollback');
    const rolledBack =
      <A extends unknown[], R>(work: (...args: A) => R) =>
      (...args: A): R => {
        begin.run();
        try {
          return work(...args);
        } finally {
          rollback.run();
        }
      };
    this.words = rolledBack((rows) => {
      fill.run(JSON.stringify(rows));
      return counts.all() as WordCount[];
    });
    this.tokens = rolledBack((text) => {
      query.run(text);
      return queryTokens.all() as string[];
    });
    this.marks = rolledBack((rows, match, snippetTokens) => {
      for (const row of rows) fillPage.run(row);
      return marked.all(MARK_START, MARK_END, MARK_START, MARK_END, snippetTokens, match) as MarkedRow[];
    });
  }
}

let opened: ScratchDatabase | undefined;

/** One scratch database per process, made on first use: the tokenizer keeps no state between calls. */
function scratch(): ScratchDatabase {
  opened ??= new ScratchDatabase(new SQLite(':memory:'));
  return opened;
}
