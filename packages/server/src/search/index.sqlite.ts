import { type Kysely, sql } from 'kysely';
import type { Tables } from '../db/database.js';
import { type DocumentRow, DocumentTable, documentRow, latestPerNote } from './documents.js';
import {
  type IndexEntry,
  MARK_END,
  MARK_START,
  type SearchHit,
  type SearchIndex,
  type SearchPage,
  type SearchPosition,
  type SearchScope,
  type VersionGuard,
} from './index.js';
import { matchExpression } from './match.sqlite.js';
import type { SearchQuery } from './query.js';
import { scopeToken } from './scope-tokens.js';

const SNIPPET_TOKENS = 24;

/**
 * SQLite FTS5 (porter stemming, unicode61 with diacritics removed) over search_documents, kept in
 * step by triggers (db/migrations/005-search.ts). Ranking is bm25 with headline weighted over text.
 * Scope is enforced twice: a scope token inside the MATCH (so FTS5 only walks the caller's
 * documents) and the owner/visibility condition on the joined row.
 */
export class SqliteSearchIndex extends DocumentTable implements SearchIndex {
  async apply(entries: readonly IndexEntry[], guard: VersionGuard = 'newer'): Promise<void> {
    const rows = latestPerNote(entries);
    const now = Date.now();
    const write = async (db: Kysely<Tables>) => {
      for (const entry of rows) await upsert(db, documentRow(entry, now), guard);
    };
    // One entry is one statement, atomic by itself; several share a transaction (and one FTS5 segment).
    if (rows.length === 1) await write(this.database.db);
    else if (rows.length > 1) await this.database.db.transaction().execute(write);
  }

  async search(query: SearchQuery, scope: SearchScope, page: { limit: number; after?: SearchPosition }): Promise<SearchPage> {
    const token = scopeToken(scope);
    const inScope = scope.kind === 'owner' ? sql`d.owner_id = ${scope.ownerId}` : sql`d.visibility = 'public'`;
    // bm25 ranks are negative, lower is better; a score is the rank negated.
    const after = page.after
      ? sql`and (f.rank > ${-page.after.score} or (f.rank = ${-page.after.score} and d.doc_id > ${page.after.docId}))`
      : sql``;
    const { rows } = await sql<Row>`
      select d.doc_id, d.note_id, d.owner_id, d.version, d.headline, d.text, d.visibility, d.updated_at, f.rank as rank,
        highlight(search_fts, 0, ${MARK_START}, ${MARK_END}) as headline_marked,
        snippet(search_fts, 1, ${MARK_START}, ${MARK_END}, '…', ${SNIPPET_TOKENS}) as text_marked
      from search_fts f
      join search_documents d on d.doc_id = f.rowid
      where search_fts match ${matchExpression(query, token)}
        and ${inScope}
        and d.removed_at is null
        ${after}
      order by f.rank, d.doc_id
      limit ${page.limit + 1}`.execute(this.database.db);
    const pageRows = rows.slice(0, page.limit);
    const last = pageRows.at(-1);
    return { hits: pageRows.map(toHit), next: rows.length > page.limit && last ? { score: -last.rank, docId: Number(last.doc_id) } : null };
  }
}

interface Row {
  doc_id: number;
  note_id: string;
  owner_id: string;
  version: number;
  headline: string;
  text: string;
  visibility: 'private' | 'public';
  updated_at: number;
  rank: number;
  headline_marked: string;
  text_marked: string;
}

const toHit = (row: Row): SearchHit => ({
  noteId: row.note_id,
  ownerId: row.owner_id,
  version: Number(row.version),
  headline: row.headline,
  text: row.text,
  visibility: row.visibility,
  marked: { headline: row.headline_marked, text: row.text_marked },
  score: -row.rank,
  updatedAt: new Date(Number(row.updated_at)),
});

/** Writes a row only over an older version of the note (or the same, `not-older`). */
async function upsert(db: Kysely<Tables>, row: DocumentRow, guard: VersionGuard): Promise<void> {
  await db
    .insertInto('search_documents')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['owner_id', 'note_id'])
        .doUpdateSet(row)
        .where('search_documents.version', guard === 'newer' ? '<' : '<=', (eb) => eb.ref('excluded.version')),
    )
    .execute();
}
