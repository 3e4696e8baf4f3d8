import { type Kysely, sql } from 'kysely';
import type { Tables } from '../db/database.js';
import { type DocumentRow, DocumentTable, documentRow, latestPerNote } from './documents.js';
import {
  type IndexEntry,
  keyOf,
  type NoteKey,
  type SearchHit,
  type SearchIndex,
  type SearchPage,
  type SearchPosition,
  type SearchScope,
  type VersionGuard,
} from './index.js';
import { matchExpression } from './match.sqlite.js';
import { ImpactPostings, type RankedDocument } from './postings.sqlite.js';
import { type SearchQuery, singleTerm } from './query.js';
import { scopeToken } from './scope-tokens.js';
import { Fts5Tokenizer } from './tokens.sqlite.js';

const SNIPPET_TOKENS = 24;

/**
 * SQLite FTS5 (porter stemming, unicode61 with diacritics removed) over search_documents, kept in
 * step by triggers (migrations/005-search.ts), with impact-ordered postings beside it for
 * one-word queries (postings.sqlite.ts). Ranking is bm25 with headline weighted over text. A page is
 * ranked first and highlighted after, so highlights cost the page's hits, not every match. Scope is
 * enforced twice: by the scope token (inside the MATCH, or the postings' scope) and by the
 * owner/visibility condition on the joined row.
 */
export class SqliteSearchIndex extends DocumentTable implements SearchIndex {
  private readonly tokenizer = new Fts5Tokenizer();
  private readonly postings = new ImpactPostings(this.tokenizer);

  async apply(entries: readonly IndexEntry[], guard: VersionGuard = 'newer'): Promise<void> {
    const entriesToWrite = latestPerNote(entries);
    if (entriesToWrite.length === 0) return;
    const now = Date.now();
    const rows = entriesToWrite.map((entry) => documentRow(entry, now));
    await this.database.db.transaction().execute(async (db) => {
      const docIds = await upsert(db, rows, guard);
      const written = rows.flatMap((row) => {
        const docId = docIds.get(keyOf({ ownerId: row.owner_id, noteId: row.note_id }));
        return docId === undefined ? [] : [{ docId, headline: row.headline, text: row.text, scope: row.scope }];
      });
      await this.postings.write(db, written);
    });
  }

  override async purge(keys: readonly NoteKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.database.db.transaction().execute(async (db) => {
      const { rows } = await sql<{ doc_id: number }>`select doc_id from search_documents
        where (owner_id, note_id) in (select value ->> 0, value ->> 1 from json_each(${JSON.stringify(keys.map((k) => [k.ownerId, k.noteId]))}))`.execute(
        db,
      );
      const docIds = rows.map((row) => Number(row.doc_id));
      await this.postings.remove(db, docIds);
      await sql`delete from search_documents where doc_id in (select value from json_each(${JSON.stringify(docIds)}))`.execute(db);
    });
  }

  async search(query: SearchQuery, scope: SearchScope, page: { limit: number; after?: SearchPosition }): Promise<SearchPage> {
    const db = this.database.db;
    const oneWord = singleTerm(query);
    const ranked =
      (oneWord ? await this.postings.rank(db, oneWord.text, scopeToken(scope), { ...page, limit: page.limit + 1 }) : undefined) ??
      (await rankWithFts5(db, query, scope, page));
    const pageRows = ranked.slice(0, page.limit);
    const last = pageRows.at(-1);
    return {
      hits: await highlighted(db, this.tokenizer, query, scope, pageRows),
      next: ranked.length > page.limit && last ? { score: last.score, docId: last.docId } : null,
    };
  }
}

/** Every match ranked by FTS5's bm25, for queries the postings do not answer; the page and one more. */
async function rankWithFts5(
  db: Kysely<Tables>,
  query: SearchQuery,
  scope: SearchScope,
  page: { limit: number; after?: SearchPosition },
): Promise<RankedDocument[]> {
  // bm25 ranks are negative, lower is better; a score is the rank negated.
  const after = page.after
    ? sql`and (f.rank > ${-page.after.score} or (f.rank = ${-page.after.score} and d.doc_id > ${page.after.docId}))`
    : sql``;
  const { rows } = await sql<{ doc_id: number; rank: number }>`
    select d.doc_id, f.rank as rank
    from search_fts f
    join search_documents d on d.doc_id = f.rowid
    where search_fts match ${matchExpression(query, scopeToken(scope))}
      and ${inScope(scope)}
      and d.removed_at is null
      ${after}
    order by f.rank, d.doc_id
    limit ${page.limit + 1}`.execute(db);
  return rows.map((row) => ({ docId: Number(row.doc_id), score: -row.rank }));
}

/**
 * The page's documents with their matches marked, in ranking order; a document no longer in scope
 * drops out. Marks are what FTS5's highlight() and snippet() make of the page's rows alone,
 * replayed in JavaScript for ASCII text (tokens.sqlite.ts, marks.sqlite.ts), never seeking a row
 * in the index's long lists of common words.
 */
async function highlighted(
  db: Kysely<Tables>,
  tokenizer: Fts5Tokenizer,
  query: SearchQuery,
  scope: SearchScope,
  ranked: readonly RankedDocument[],
): Promise<SearchHit[]> {
  if (ranked.length === 0) return [];
  const { rows } = await sql<Row>`
    select d.doc_id, d.note_id, d.owner_id, d.version, d.headline, d.text, d.visibility, d.updated_at
    from search_documents d
    where d.doc_id in (${sql.join(ranked.map((r) => r.docId))})
      and ${inScope(scope)}
      and d.removed_at is null`.execute(db);
  const marks = tokenizer.marks(
    rows.map((row) => ({ docId: Number(row.doc_id), headline: row.headline, text: row.text })),
    query,
    SNIPPET_TOKENS,
  );
  const byId = new Map(rows.map((row) => [Number(row.doc_id), row]));
  return ranked.flatMap(({ docId, score }) => {
    const row = byId.get(docId);
    const marked = marks.get(docId);
    return row && marked ? [toHit(row, marked, score)] : [];
  });
}

/**
 * The row's own scope check. Rows are reached by doc id (or FTS5's rowid): the unary + keeps SQLite
 * from walking the owner's whole index instead.
 */
const inScope = (scope: SearchScope) => (scope.kind === 'owner' ? sql`+d.owner_id = ${scope.ownerId}` : sql`+d.visibility = 'public'`);

interface Row {
  doc_id: number;
  note_id: string;
  owner_id: string;
  version: number;
  headline: string;
  text: string;
  visibility: 'private' | 'public';
  updated_at: number;
}

const toHit = (row: Row, marked: { headline: string; text: string }, score: number): SearchHit => ({
  noteId: row.note_id,
  ownerId: row.owner_id,
  version: Number(row.version),
  headline: row.headline,
  text: row.text,
  visibility: row.visibility,
  marked,
  score,
  updatedAt: new Date(Number(row.updated_at)),
});

/**
 * Writes each row only over an older version of its note (or the same, `not-older`), in one
 * statement; answers the doc ids of the rows written, by note key.
 */
async function upsert(db: Kysely<Tables>, rows: readonly DocumentRow[], guard: VersionGuard): Promise<Map<string, number>> {
  const values = rows.map((r) => [r.note_id, r.owner_id, r.visibility, r.version, r.headline, r.text, r.scope, r.updated_at, r.removed_at]);
  const { rows: written } = await sql<{ doc_id: number; owner_id: string; note_id: string }>`
    insert into search_documents (note_id, owner_id, visibility, version, headline, text, scope, updated_at, removed_at)
    select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8
    from json_each(${JSON.stringify(values)}) where true
    on conflict (owner_id, note_id) do update set visibility = excluded.visibility, version = excluded.version,
      headline = excluded.headline, text = excluded.text, scope = excluded.scope, updated_at = excluded.updated_at,
      removed_at = excluded.removed_at
    where search_documents.version ${guard === 'newer' ? sql`<` : sql`<=`} excluded.version
    returning doc_id, owner_id, note_id`.execute(db);
  return new Map(written.map((row) => [keyOf({ ownerId: row.owner_id, noteId: row.note_id }), Number(row.doc_id)]));
}
