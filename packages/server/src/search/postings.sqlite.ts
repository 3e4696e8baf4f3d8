import { sql } from 'kysely';
import type { UntypedDb } from '../db/database.js';
import { BoundedMap } from '../shared/bounded-map.js';
import { bm25, decodeAverages, idfSql, lengthScoringAtMost, type TermStatistics, termStatistics } from './bm25.js';
import type { SearchPosition } from './index.js';
import type { DocumentTerms, DocumentText, Fts5Tokenizer } from './tokens.sqlite.js';

/** A ranked document of a one-word query. */
export interface RankedDocument {
  readonly docId: number;
  readonly score: number;
}

/** Groups of one statement: SQLite allows 500 terms in a compound select. */
const GROUPS_PER_STATEMENT = 200;
/** Longer than any note can be, in tokens: where the search for a length bound stops. */
const LENGTH_LIMIT = 2 ** 31;
const SCOPE_CACHE_SIZE = 10_000;
const IDF_CACHE_SIZE = 10_000;

interface StoredTerms {
  readonly length: number;
  readonly scopes: readonly number[];
  readonly terms: readonly (readonly [termId: number, frequency: number])[];
}

/**
 * Impact-ordered postings beside FTS5, so a one-word search reads the best documents first
 * instead of ranking every match. FTS5 keeps its postings in document order and scores all of
 * them (a word in a third of 100,000 notes costs tens of milliseconds); here each (word, scope)
 * lists its documents by weighted frequency, then length, then id, and bm25 of one word rises with
 * frequency and falls with length. So within one frequency the first rows are the best, and the
 * top k of a query are among the first k of each frequency: a few index seeks however common the
 * word. Scores are computed exactly as FTS5's bm25 computes them (bm25.ts), from its own row and
 * token counts, so results, scores and cursors equal what the FTS5 query would give.
 *
 * search_terms holds each word's id and how many documents hold it in headline or text (bm25's
 * document frequency); search_document_terms what each document's postings are, to take them out.
 */
export class ImpactPostings {
  private readonly scopes = new BoundedMap<string, number>(SCOPE_CACHE_SIZE);
  private readonly idfs = new BoundedMap<string, number>(IDF_CACHE_SIZE);

  constructor(private readonly tokenizer: Fts5Tokenizer) {}

  /** Replaces the postings of these documents with their current words (none for a tombstone). */
  async write(db: UntypedDb, documents: readonly DocumentText[]): Promise<void> {
    if (documents.length === 0) return;
    await this.remove(
      db,
      documents.map((d) => d.docId),
    );
    const live = documents.filter((d) => d.scope !== '');
    const words = this.tokenizer.documents(live);
    const termIds = await countTerms(db, words);
    const scopeIds = await scopeIdsOf(db, [...new Set(live.flatMap((d) => d.scope.split(' ')))]);
    const postings: (readonly number[])[] = [];
    const stored: [number, string][] = [];
    for (const d of live) {
      const { length, terms } = words.get(d.docId) ?? { length: 0, terms: new Map<string, number>() };
      const scopes = d.scope.split(' ').map((token) => scopeIds.get(token) ?? 0);
      const termRows = [...terms].map(([term, frequency]) => [termIds.get(term) ?? 0, frequency] as const);
      for (const [termId, frequency] of termRows) {
        for (const scopeId of scopes) postings.push([termId, scopeId, frequency, length, d.docId]);
      }
      stored.push([d.docId, JSON.stringify({ length, scopes, terms: termRows } satisfies StoredTerms)]);
    }
    if (postings.length > 0) {
      await sql`insert into search_postings (term_id, scope_id, freq, length, doc_id)
        select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(${JSON.stringify(postings)})`.execute(db);
    }
    if (stored.length > 0) {
      await sql`insert into search_document_terms (doc_id, terms)
        select value ->> 0, value ->> 1 from json_each(${JSON.stringify(stored)})`.execute(db);
    }
  }

  /** Takes out the postings of these documents (removed from the index, or about to be rewritten). */
  async remove(db: UntypedDb, docIds: readonly number[]): Promise<void> {
    if (docIds.length === 0) return;
    const { rows } = await sql<{ doc_id: number; terms: string }>`
      select doc_id, terms from search_document_terms where doc_id in (select value from json_each(${JSON.stringify(docIds)}))`.execute(db);
    if (rows.length === 0) return;
    const postings: (readonly number[])[] = [];
    const delta = new Map<number, number>();
    for (const row of rows) {
      const { length, scopes, terms } = JSON.parse(row.terms) as StoredTerms;
      for (const [termId, frequency] of terms) {
        delta.set(termId, (delta.get(termId) ?? 0) - 1);
        for (const scopeId of scopes) postings.push([termId, scopeId, frequency, length, Number(row.doc_id)]);
      }
    }
    await sql`delete from search_postings where (term_id, scope_id, freq, length, doc_id) in (
      select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(${JSON.stringify(postings)}))`.execute(db);
    await sql`delete from search_document_terms where doc_id in (select value from json_each(${JSON.stringify(docIds)}))`.execute(db);
    await countDocuments(db, delta);
  }

  /**
   * The best `limit` documents in the scope whose token is `scopeToken` holding `text` (one word,
   * as the user typed it), best first, after `after`; or undefined when the text is not one word
   * of the index (a phrase, or punctuation) and FTS5 must answer.
   */
  async rank(
    db: UntypedDb,
    text: string,
    scopeToken: string,
    page: { readonly limit: number; readonly after?: SearchPosition },
  ): Promise<RankedDocument[] | undefined> {
    const tokens = this.tokenizer.query(text);
    if (tokens.length !== 1) return undefined;
    const scopeId = await this.scopeId(db, scopeToken);
    if (scopeId === undefined) return [];
    const found = await termInScope(db, tokens[0] ?? '', scopeId);
    if (!found || found.docs <= 0) return [];
    const { rows, tokens: total } = decodeAverages(found.averages);
    const stats = termStatistics(rows, total, await this.idf(db, rows, found.docs));
    const { termId, groups } = found;
    const starts = groups.flatMap(({ freq, head }) => {
      const start = startOf(stats, freq, page.after);
      return start ? [{ freq, ...start, best: bm25(stats, freq, head) }] : [];
    });
    // The limit is written into the SQL: bound as a parameter, SQLite takes twice as long over the seeks.
    if (!Number.isSafeInteger(page.limit)) throw new Error('ImpactPostings.rank: the limit must be an integer');
    const limit = sql.lit(page.limit);
    const ranked: RankedDocument[] = [];
    for (const chunk of chunks(pruned(starts, page), GROUPS_PER_STATEMENT)) {
      const parts = chunk.map(
        (g) => sql`select * from (select freq, length, doc_id from search_postings
          where term_id = ${termId} and scope_id = ${scopeId} and freq = ${g.freq} and (length, doc_id) > (${g.length}, ${g.docId})
          order by length, doc_id limit ${limit})`,
      );
      const { rows: found } = await sql<{ freq: number; length: number; doc_id: number }>`${sql.join(parts, sql` union all `)}`.execute(db);
      for (const row of found) ranked.push({ docId: Number(row.doc_id), score: bm25(stats, Number(row.freq), Number(row.length)) });
    }
    return ranked.sort((a, b) => b.score - a.score || a.docId - b.docId).slice(0, page.limit);
  }

  /** bm25's idf of a word in `documents` of `rows`, computed by SQLite (bm25.ts) once per pair. */
  private async idf(db: UntypedDb, rows: number, documents: number): Promise<number> {
    const key = `${rows}:${documents}`;
    const kept = this.idfs.get(key);
    if (kept !== undefined) return kept;
    const result = await sql<{ idf: number }>`select ${idfSql(rows, 'docs')} as idf from (select ${documents} as docs)`.execute(db);
    const idf = Number(result.rows[0]?.idf);
    this.idfs.set(key, idf);
    return idf;
  }

  private async scopeId(db: UntypedDb, token: string): Promise<number | undefined> {
    const kept = this.scopes.get(token);
    if (kept !== undefined) return kept;
    const { rows } = await sql<{ scope_id: number }>`select scope_id from search_scopes where token = ${token}`.execute(db);
    const id = rows[0] === undefined ? undefined : Number(rows[0].scope_id);
    if (id === undefined) return undefined;
    this.scopes.set(token, id);
    return id;
  }
}

/**
 * What ranking a word needs, in one statement: FTS5's averages record, the word's id and document
 * count, and each distinct frequency of the word in the scope with the shortest length it comes
 * with (one index seek each); undefined when the index has no such word or no record.
 */
async function termInScope(
  db: UntypedDb,
  term: string,
  scopeId: number,
): Promise<{ averages: Uint8Array; termId: number; docs: number; groups: { freq: number; head: number }[] } | undefined> {
  const termId = sql`(select term_id from search_terms where term = ${term})`;
  const { rows } = await sql<{ block: Uint8Array; term_id: number; docs: number; freq: number | null; head: number | null }>`
    with recursive g(freq) as (
      select max(freq) from search_postings where term_id = ${termId} and scope_id = ${scopeId}
      union all
      select (select max(freq) from search_postings where term_id = ${termId} and scope_id = ${scopeId} and freq < g.freq)
      from g where g.freq is not null
    )
    select a.block, t.term_id, t.docs, g.freq, (select length from search_postings p
      where p.term_id = t.term_id and p.scope_id = ${scopeId} and p.freq = g.freq order by length limit 1) as head
    from search_fts_data a, search_terms t, g
    where a.id = 1 and t.term = ${term}`.execute(db);
  const first = rows[0];
  if (!first) return undefined;
  const groups = rows.flatMap(({ freq, head }) => (freq === null || head === null ? [] : [{ freq: Number(freq), head: Number(head) }]));
  return { averages: first.block, termId: Number(first.term_id), docs: Number(first.docs), groups };
}

/**
 * Where a page starts within one frequency: after the position of the previous page's last
 * document. Rows score less than that document, or the same with a higher id; as scores fall with
 * length, that is a (length, doc id) bound, read strictly after; undefined when no row follows.
 */
function startOf(stats: TermStatistics, freq: number, after: SearchPosition | undefined): { length: number; docId: number } | undefined {
  if (!after) return { length: -1, docId: 0 };
  const length = lengthScoringAtMost(stats, freq, after.score, LENGTH_LIMIT);
  if (length === LENGTH_LIMIT) return undefined;
  // The same score at that length: documents with a higher id come after; a lower score: all do.
  return bm25(stats, freq, length) === after.score
    ? { length, docId: after.docId }
    : { length: length - 1, docId: Number.MAX_SAFE_INTEGER };
}

/**
 * On a first page, a frequency whose best document scores below the limit-th best of all the
 * frequencies' best documents cannot place one in the page: it is not read.
 */
function pruned<G extends { best: number }>(groups: readonly G[], page: { readonly limit: number; readonly after?: SearchPosition }): G[] {
  if (page.after || groups.length <= page.limit) return [...groups];
  const threshold = groups.map((g) => g.best).sort((a, b) => b - a)[page.limit - 1] ?? Number.NEGATIVE_INFINITY;
  return groups.filter((g) => g.best >= threshold);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/**
 * Counts each word once more per document holding it (adding words not seen before) and returns
 * their ids: one statement, as an upsert returns the rows it inserted and those it updated.
 */
async function countTerms(db: UntypedDb, words: ReadonlyMap<number, DocumentTerms>): Promise<Map<string, number>> {
  const documents = new Map<string, number>();
  for (const { terms } of words.values()) for (const term of terms.keys()) documents.set(term, (documents.get(term) ?? 0) + 1);
  const result = new Map<string, number>();
  if (documents.size === 0) return result;
  const { rows } = await sql<{ term_id: number; term: string }>`insert into search_terms (term, docs)
    select value ->> 0, value ->> 1 from json_each(${JSON.stringify([...documents])}) where true
    on conflict (term) do update set docs = docs + excluded.docs
    returning term_id, term`.execute(db);
  for (const row of rows) result.set(row.term, Number(row.term_id));
  return result;
}

/** The ids of these scope words, adding the missing ones. */
async function scopeIdsOf(db: UntypedDb, tokens: readonly string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (tokens.length === 0) return result;
  const list = JSON.stringify(tokens);
  await sql`insert into search_scopes (token) select value from json_each(${list}) where true on conflict do nothing`.execute(db);
  const { rows } = await sql<{ scope_id: number; token: string }>`select scope_id, token from search_scopes
    where token in (select value from json_each(${list}))`.execute(db);
  for (const row of rows) result.set(row.token, Number(row.scope_id));
  return result;
}

/** Takes each word's documents out of its count, in one statement. */
async function countDocuments(db: UntypedDb, delta: ReadonlyMap<number, number>): Promise<void> {
  const changed = [...delta].filter(([, n]) => n !== 0);
  if (changed.length === 0) return;
  await sql`update search_terms set docs = docs + d.value ->> 1
    from json_each(${JSON.stringify(changed)}) d where term_id = d.value ->> 0`.execute(db);
}
