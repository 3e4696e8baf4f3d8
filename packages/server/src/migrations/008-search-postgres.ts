import { sql } from 'kysely';
import type { ShoeboxMigration } from './migrate.js';

/**
 * PostgreSQL only (SQLite's index is FTS5, created in 005): the tsvector search_documents is
 * searched by, with a GIN index, and the text search configuration that builds it. The
 * configuration is English with Snowball stemming and, like FTS5's porter tokenizer, no stop
 * words, so "the" or "not" can be searched for. Case and diacritics are folded before the text
 * reaches PostgreSQL (search/fold.ts), which needs no extension such as unaccent.
 */
export const searchPostgres: ShoeboxMigration = {
  name: '008-search-postgres',
  async up(db, engine) {
    if (engine !== 'postgres') return;
    await sql`create text search dictionary shoebox_english_stem (template = snowball, language = english)`.execute(db);
    await sql`create text search configuration shoebox_english (copy = english)`.execute(db);
    await sql`alter text search configuration shoebox_english
      alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part with shoebox_english_stem`.execute(db);
    // Headline (weight A), scope tokens (D) and text (B); built by search/index.postgres.ts.
    await sql`alter table search_documents add column tsv tsvector not null default ''`.execute(db);
    await sql`create index search_documents_tsv on search_documents using gin (tsv)`.execute(db);
  },
};
