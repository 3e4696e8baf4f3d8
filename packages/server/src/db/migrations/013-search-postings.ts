import { sql } from 'kysely';
import { ImpactPostings } from '../../search/postings.sqlite.js';
import { Fts5Tokenizer } from '../../search/tokens.sqlite.js';
import type { ShoeboxMigration } from '../migrate.js';

const BATCH = 1_000;

/**
 * SQLite only: impact-ordered postings beside FTS5 (search/postings.sqlite.ts), so one-word
 * searches rank without visiting every match; filled here from the documents already indexed.
 * search_postings is WITHOUT ROWID: its key is the order a query reads in, and holds every column.
 */
export const searchPostings: ShoeboxMigration = {
  name: '013-search-postings',
  async up(db, engine) {
    if (engine !== 'sqlite') return;
    await sql`create table search_terms (
      term_id integer primary key, term text not null unique, docs integer not null default 0)`.execute(db);
    await sql`create table search_scopes (scope_id integer primary key, token text not null unique)`.execute(db);
    await sql`create table search_postings (
      term_id integer not null, scope_id integer not null, freq integer not null, length integer not null, doc_id integer not null,
      primary key (term_id, scope_id, freq desc, length, doc_id)) without rowid`.execute(db);
    await sql`create table search_document_terms (doc_id integer primary key, terms text not null)`.execute(db);
    const postings = new ImpactPostings(new Fts5Tokenizer());
    for (let after = -1; ; ) {
      const { rows } = await sql<{ doc_id: number; headline: string; text: string; scope: string }>`
        select doc_id, headline, text, scope from search_documents where doc_id > ${after} order by doc_id limit ${BATCH}`.execute(db);
      const last = rows.at(-1);
      if (!last) break;
      await postings.write(
        db,
        rows.map((row) => ({ docId: Number(row.doc_id), headline: row.headline, text: row.text, scope: row.scope })),
      );
      after = Number(last.doc_id);
    }
  },
};
