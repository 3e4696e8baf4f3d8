import type { Generated } from 'kysely';

export interface SearchTables {
  /**
   * What the search index holds per note: the indexed copy, the version it is at, and a tombstone
   * (`removed_at`) after a removal, so a late older change can never bring a note back.
   */
  search_documents: {
    /** Stable integer key that engine indexes refer to (SQLite FTS5 rowid). */
    doc_id: Generated<number>;
    note_id: string;
    owner_id: string;
    visibility: 'private' | 'public';
    version: number;
    headline: string;
    text: string;
    /** Filter tokens the full-text index matches on: the owner's token, and "public" for public notes. */
    scope: string;
    updated_at: number;
    removed_at: number | null;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends SearchTables {}
}
