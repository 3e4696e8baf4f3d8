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
import { checkpointInBackground } from './checkpoints.sqlite.js';
import type { Database, Tables } from './database.js';
import { GroupCommit } from './group-commit.sqlite.js';

export interface SqliteOptions {
  /**
   * Checkpoint the WAL from a worker thread instead of inside commits (checkpoints.sqlite.ts): for
   * the processes that serve (serve, worker), where a commit's checkpoint stalls every request.
   */
  readonly backgroundCheckpoints?: boolean;
}

/** How long a statement waits for a lock another process holds before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/** Pauses between tries for the write lock (the last repeats): short at first, as most transactions are. */
const LOCK_RETRY_MS = [0, 1, 1, 1, 2, 2, 5, 5, 10, 20];
/**
 * The connection's page cache, in KiB (an upper bound: it fills as pages are read). SQLite's
 * default of 2 MiB holds little of a large index, so a search reading a few dozen scattered pages
 * (postings, documents, notes) fetched most of them from the file again: with 64 MiB one-word
 * searches serve 1.2–1.5 times as many requests at 100k notes.
 */
const PAGE_CACHE_KIB = 65_536;

/**
 * Reads of the first MMAP_BYTES of the file come straight from the OS page cache, shared by every
 * process, with no copy into the connection's cache: 6 % more one-word searches at 100k notes.
 */
const MMAP_BYTES = 2 * 1024 ** 3;

/** Pages of WAL at which a commit checkpoints by itself while the background checkpointer runs: a backstop only. */
const BACKSTOP_CHECKPOINT_PAGES = 4096;

/**
 * The embedded engine: one SQLite file in WAL mode. Kysely's SQLite driver serialises access to
 * the single connection, so transactions never interleave inside one process.
 */
export function openSqlite(file: string, options: SqliteOptions = {}): Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  connection.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  connection.pragma(`mmap_size = ${MMAP_BYTES}`);
  // Statement journals too: a statement writing many rows in a transaction (an indexing batch's
  // postings) journals the pages it changes, spilled past 64 KiB to a temporary file (some 2,600
  // writes a second at 1,000 notes/s).
  connection.pragma('temp_store = memory');
  const checkpoints = options.backgroundCheckpoints ? checkpointInBackground(file) : undefined;
  if (checkpoints) connection.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const db = new Kysely<Tables>({
    dialect: new ImmediateSqliteDialect({ database: keepingStatements(connection) }, () => checkpoints?.writing()),
  });
  const group = new GroupCommit(db);
  return {
    engine: 'sqlite',
    db,
    // Transactions begin IMMEDIATE (below): each holds the database's one write lock, so any two exclude each other.
    exclusive: (_lock, work) => db.transaction().execute(work),
    write: (work) => group.write(work),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await checkpoints?.stop();
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
  constructor(
    private readonly config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly onBegin: () => void,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.onBegin);
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

/**
 * Waits for the write lock without blocking the process. SQLite's own wait (busy_timeout) sleeps
 * in the calling thread, and with several processes writing (SHOEBOX_HTTP_PROCESSES, a `shoebox
 * worker`) every wait stalled all of a process's requests. BEGIN IMMEDIATE is tried with no wait
 * instead, and tried again after a pause on the event loop, up to the same timeout.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    /** Hears of every write transaction (they all begin here): the background checkpointer starts on the first. */
    private readonly onBegin: () => void,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.onBegin();
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      await connection.executeQuery(NO_WAIT);
      try {
        await connection.executeQuery(BEGIN);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      } finally {
        await connection.executeQuery(WAIT);
      }
      await sleep(LOCK_RETRY_MS[Math.min(attempt, LOCK_RETRY_MS.length - 1)] ?? 0);
    }
  }
}

const BEGIN = CompiledQuery.raw('begin immediate');
const NO_WAIT = CompiledQuery.raw('pragma busy_timeout = 0');
const WAIT = CompiledQuery.raw(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`);
const sleep = (ms: number) => new Promise((resolve) => (ms === 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

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
