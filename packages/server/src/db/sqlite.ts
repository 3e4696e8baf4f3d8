import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
import type { Database, Tables } from './database.js';

/**
 * The embedded engine: one SQLite file in WAL mode. Kysely's SQLite driver serialises access to
 * the single connection, so transactions never interleave inside one process.
 */
export function openSqlite(file: string): Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: keepingStatements(connection) }) });
  return {
    engine: 'sqlite',
    db,
    // Transactions begin IMMEDIATE (below): each holds the database's one write lock, so any two exclude each other.
    exclusive: (_lock, work) => db.transaction().execute(work),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Transactions begin IMMEDIATE: they take the write lock up front (waiting up to busy_timeout)
 * instead of upgrading a read snapshot later, which fails at once with SQLITE_BUSY when another
 * process (a `shoebox worker`, a CLI command) committed in between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }

  /**
   * SQLite's DDL is transactional, but Kysely's adapter says not, so the migrator would run without
   * a transaction or lock and processes starting at once on a new data folder (serve and worker)
   * would race to create the same tables. In an IMMEDIATE transaction the later ones wait, then
   * find the migrations done.
   */
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares a statement for every query it runs, and preparing costs more than running a
 * small indexed query; so prepared statements are kept by SQL text (least recently used leave
 * first). Sharing one is safe: the driver's mutex runs one query at a time on the connection.
 */
function keepingStatements(connection: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(text) {
      const kept = statements.get(text);
      statements.delete(text);
      const statement = kept ?? connection.prepare(text);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
      statements.set(text, statement);
      return statement;
    },
    close: () => connection.close(),
  };
}
