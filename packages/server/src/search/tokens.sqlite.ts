import { sql } from 'kysely';
import type { UntypedDb } from '../db/database.js';
import { BoundedMap } from '../shared/bounded-map.js';
import { HEADLINE_WEIGHT, TEXT_WEIGHT } from './bm25.js';
import { MARK_END, MARK_START } from './index.js';

/** The tokenizer of search_fts (migration 005): postings must hold exactly the words FTS5 holds. */
const TOKENIZE = sql.raw(`tokenize = 'porter unicode61 remove_diacritics 2'`);

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

/**
 * FTS5's own tokenizer, run on a scratch FTS5 table in the connection's temp schema (memory, never
 * the database file), so no second implementation of porter stemming or unicode61 folding can drift
 * from the index's. The scratch table is contentless, so emptying it drops its index at once. The
 * scratch tables are made on first use in each transaction that needs them ("if not exists"),
 * since a rolled-back transaction takes them away.
 */
export class Fts5Tokenizer {
  private readonly queries = new BoundedMap<string, readonly string[]>(QUERY_CACHE_SIZE);

  /** Each document's words and length, as FTS5 indexed them. */
  async documents(db: UntypedDb, documents: readonly DocumentText[]): Promise<Map<number, DocumentTerms>> {
    const result = new Map<number, { length: number; terms: Map<string, number> }>();
    if (documents.length === 0) return result;
    await scratch(db);
    const rows = documents.map((d) => [d.docId, d.headline, d.text, d.scope]);
    await sql`insert into temp.search_scratch(rowid, headline, text, scope)
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3 from json_each(${JSON.stringify(rows)})`.execute(db);
    const { rows: counts } = await sql<{ doc: number; term: string; col: string; n: number }>`
      select doc, term, col, count(*) as n from temp.search_scratch_words group by doc, term, col`.execute(db);
    await sql`insert into temp.search_scratch(search_scratch) values ('delete-all')`.execute(db);
    for (const d of documents) result.set(d.docId, { length: 0, terms: new Map() });
    for (const { doc, term, col, n } of counts) {
      const entry = result.get(Number(doc));
      if (!entry) continue;
      entry.length += Number(n);
      if (col === 'scope') continue;
      const weight = col === 'headline' ? HEADLINE_WEIGHT : TEXT_WEIGHT;
      entry.terms.set(term, (entry.terms.get(term) ?? 0) + weight * Number(n));
    }
    return result;
  }

  /** The tokens FTS5 makes of a query term, in order (a phrase gives several). Kept for repeated queries. */
  async query(db: UntypedDb, text: string): Promise<readonly string[]> {
    const kept = this.queries.get(text);
    if (kept) return kept;
    await scratch(db);
    await sql`insert into temp.search_scratch(rowid, headline, text, scope) values (1, ${text}, '', '')`.execute(db);
    const { rows } = await sql<{ term: string }>`
      select term from temp.search_scratch_words where col = 'headline' order by offset`.execute(db);
    await sql`insert into temp.search_scratch(search_scratch) values ('delete-all')`.execute(db);
    const tokens = rows.map((row) => row.term);
    this.queries.set(text, tokens);
    return tokens;
  }

  /**
   * Each document's headline marked whole and a snippet of its text of about `snippetTokens`
   * tokens, matches of `match` (an FTS5 expression) between MARK_START and MARK_END, as FTS5's
   * highlight() and snippet() make them; a document `match` does not match is absent.
   */
  async marks(
    db: UntypedDb,
    documents: readonly { docId: number; headline: string; text: string }[],
    match: string,
    snippetTokens: number,
  ): Promise<Map<number, { headline: string; text: string }>> {
    if (documents.length === 0) return new Map();
    await sql`create virtual table if not exists temp.search_page using fts5(headline, text, scope, ${TOKENIZE})`.execute(db);
    const rows = documents.map((d) => [d.docId, d.headline, d.text]);
    await sql`insert into temp.search_page(rowid, headline, text, scope)
      select value ->> 0, value ->> 1, value ->> 2, '' from json_each(${JSON.stringify(rows)})`.execute(db);
    try {
      const { rows: marked } = await sql<{ rowid: number; headline: string; text: string }>`
        select rowid, highlight(search_page, 0, ${MARK_START}, ${MARK_END}) as headline,
          snippet(search_page, 1, ${MARK_START}, ${MARK_END}, '…', ${snippetTokens}) as text
        from temp.search_page where search_page match ${match}`.execute(db);
      return new Map(marked.map((row) => [Number(row.rowid), { headline: row.headline, text: row.text }]));
    } finally {
      await sql`delete from temp.search_page`.execute(db);
    }
  }
}

async function scratch(db: UntypedDb): Promise<void> {
  await sql`create virtual table if not exists temp.search_scratch using fts5(headline, text, scope, content='', ${TOKENIZE})`.execute(db);
  await sql`create virtual table if not exists temp.search_scratch_words using fts5vocab(temp, search_scratch, instance)`.execute(db);
}
