import { sql } from 'kysely';
import type { UntypedDb } from '../db/database.js';
import { scoreWords } from '../search/index.postgres.js';
import { ImpactPostings } from '../search/postings.sqlite.js';
import { Fts5Tokenizer } from '../search/tokens.sqlite.js';
import type { ShoeboxMigration } from './migrate.js';

const BATCH = 1_000;

/**
 * Postings a one-word search reads best first instead of ranking every match, filled here from
 * the documents already indexed. SQLite: impact-ordered postings beside FTS5
 * (search/postings.sqlite.ts); search_postings is WITHOUT ROWID, its key the order a query reads
 * in. PostgreSQL: each word's ts_rank per document and scope (search/index.postgres.ts).
 */
export const searchPostings: ShoeboxMigration = {
  name: '013-search-postings',
  async up(db, engine) {
    if (engine === 'postgres') return wordScores(db);
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

async function wordScores(db: UntypedDb): Promise<void> {
  await sql`create table search_word_scores (
    lexeme text not null, scope text not null, score real not null,
    doc_id bigint not null references search_documents (doc_id) on delete cascade)`.execute(db);
  await sql`create index search_word_scores_rank on search_word_scores (lexeme, scope, score desc, doc_id)`.execute(db);
  await sql`create index search_word_scores_doc on search_word_scores (doc_id)`.execute(db);
  for (let after = -1; ; ) {
    const { rows } = await sql<{ doc_id: string }>`
      select doc_id from search_documents where doc_id > ${after} order by doc_id limit ${BATCH}`.execute(db);
    const last = rows.at(-1);
    if (!last) break;
    await scoreWords(
      db,
      rows.map((row) => Number(row.doc_id)),
    );
    after = Number(last.doc_id);
  }
}
