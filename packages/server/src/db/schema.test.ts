import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedded, scaleOut } from '../testing/engines.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';

const hasPostgres = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL);

/** A column as both engines can state it: name, kind of value, and whether null is allowed. */
type Columns = Record<string, string[]>;

/**
 * What one engine has and the other has not, on purpose. Anything else that differs means a
 * migration was written for one engine only.
 */
const ONLY_SQLITE = {
  // FTS5's index over search_documents (migration 005) and its shadow tables; impact-ordered
  // postings beside it (migration 013); the counters that triggers move for per-process caches
  // (migration 016: PostgreSQL NOTIFYs instead).
  tables: [
    'search_fts',
    'search_fts_config',
    'search_fts_data',
    'search_fts_docsize',
    'search_fts_idx',
    'search_terms',
    'search_scopes',
    'search_postings',
    'search_document_terms',
    'cache_generations',
  ],
  columns: [] as string[],
};
const ONLY_POSTGRES = {
  // Quota counters: rate-limiter-flexible's table in PostgreSQL; SQLite keeps them in a file of their own (quotas.sqlite).
  // The word scores one-word searches read (migration 013), where SQLite has impact postings.
  tables: ['quota_counters', 'search_word_scores'],
  // The tsvector the GIN index covers (migration 007).
  columns: ['search_documents.tsv'],
};

const kind = (type: string): string => {
  const lower = type.toLowerCase();
  if (/int/.test(lower)) return 'integer';
  if (/char|text/.test(lower)) return 'text';
  return lower;
};

async function sqliteColumns(shoebox: TestShoebox): Promise<Columns> {
  const { rows } = await sql<{ table: string; column: string; type: string; notnull: number; pk: number }>`
    select m.name as "table", p.name as "column", p.type, p."notnull", p.pk
    from sqlite_master m join pragma_table_info(m.name) p
    where m.type = 'table' and m.name not like 'sqlite_%'`.execute(shoebox.database.db);
  return collect(rows.map((row) => [row.table, row.column, kind(row.type), row.notnull || row.pk ? 'not null' : 'null']));
}

async function postgresColumns(shoebox: TestShoebox): Promise<Columns> {
  const { rows } = await sql<{ table: string; column: string; type: string; nullable: string }>`
    select table_name as "table", column_name as "column", data_type as type, is_nullable as nullable
    from information_schema.columns where table_schema = current_schema()`.execute(shoebox.database.db);
  return collect(rows.map((row) => [row.table, row.column, kind(row.type), row.nullable === 'YES' ? 'null' : 'not null']));
}

function collect(rows: string[][]): Columns {
  const columns: Columns = {};
  for (const [table, column, ...rest] of rows) columns[`${table}.${column}`] = rest;
  return columns;
}

const withoutExtras = (columns: Columns, extras: { tables: string[]; columns: string[] }): Columns =>
  Object.fromEntries(
    Object.entries(columns).filter(([name]) => !extras.columns.includes(name) && !extras.tables.includes(name.slice(0, name.indexOf('.')))),
  );

describe.skipIf(!hasPostgres)('schema after every migration', () => {
  let sqlite: Columns;
  let postgres: Columns;
  beforeAll(async () => {
    for (const [engine, read, assign] of [
      [embedded, sqliteColumns, (c: Columns) => (sqlite = c)],
      [scaleOut, postgresColumns, (c: Columns) => (postgres = c)],
    ] as const) {
      const shoebox = await openTestShoebox(engine);
      try {
        assign(await read(shoebox));
      } finally {
        await shoebox.dispose();
      }
    }
  });

  it('has the same tables and columns, of the same kind and nullability, on SQLite and PostgreSQL', () => {
    expect(withoutExtras(postgres, ONLY_POSTGRES)).toEqual(withoutExtras(sqlite, ONLY_SQLITE));
  });

  it('has each documented engine-specific table and column where it is said to be', () => {
    const tables = (columns: Columns) => new Set(Object.keys(columns).map((name) => name.slice(0, name.indexOf('.'))));
    for (const table of ONLY_SQLITE.tables) expect(tables(sqlite)).toContain(table);
    for (const column of ONLY_POSTGRES.columns) expect(Object.keys(postgres)).toContain(column);
  });
});
