import { sql } from 'kysely';
import type { ShoeboxMigration } from './migrate.js';

export const search: ShoeboxMigration = {
  name: '005-search',
  async up(db, engine) {
    await db.schema
      .createTable('search_documents')
      .addColumn('doc_id', engine === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
      .addColumn('note_id', 'text', (c) => c.notNull().unique())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('headline', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('removed_at', 'bigint')
      .execute();
    if (engine !== 'sqlite') return;
    // FTS5 over search_documents (external content, kept in step by triggers). Porter stemming,
    // case and diacritics folded. No prefix indexes: measured, they halved indexing speed and did
    // not make 2-3 letter prefix queries faster (merging the matching terms' lists is the cost).
    await sql`create virtual table search_fts using fts5(
      headline, text, scope,
      content='search_documents', content_rowid='doc_id',
      tokenize='porter unicode61 remove_diacritics 2'
    )`.execute(db);
    // Default ranking: headline matches weigh ten times text matches; scope tokens weigh nothing.
    await sql`insert into search_fts(search_fts, rank) values ('rank', 'bm25(10.0, 1.0, 0.0)')`.execute(db);
    await sql`create trigger search_documents_ai after insert on search_documents begin
      insert into search_fts(rowid, headline, text, scope) values (new.doc_id, new.headline, new.text, new.scope);
    end`.execute(db);
    await sql`create trigger search_documents_ad after delete on search_documents begin
      insert into search_fts(search_fts, rowid, headline, text, scope) values ('delete', old.doc_id, old.headline, old.text, old.scope);
    end`.execute(db);
    await sql`create trigger search_documents_au after update of headline, text, scope on search_documents begin
      insert into search_fts(search_fts, rowid, headline, text, scope) values ('delete', old.doc_id, old.headline, old.text, old.scope);
      insert into search_fts(rowid, headline, text, scope) values (new.doc_id, new.headline, new.text, new.scope);
    end`.execute(db);
  },
};
