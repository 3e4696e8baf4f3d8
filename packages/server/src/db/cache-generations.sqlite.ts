import SQLite from 'better-sqlite3';
import type { CacheGenerations, CacheGroup } from './cache-generations.js';

type Counters = Readonly<Record<CacheGroup, number>>;

/**
 * The embedded engine's generations: the counters of `cache_generations`, which triggers move in
 * every transaction that changes a cached table, whoever commits it (this process, a worker, the
 * CLI). They are read on a connection of their own, which sees committed transactions only and
 * never waits for the main connection's queue. One read serves a whole turn of the event loop:
 * every request handled in that turn arrived before the turn began, hence before the read, so a
 * change committed before a request was sent is always seen by it.
 */
export class SqliteCacheGenerations implements CacheGenerations {
  private connection: SQLite.Database | undefined;
  private statement: SQLite.Statement<[], Counters> | undefined;
  private counters: Counters | undefined;
  private readonly forget = () => {
    this.counters = undefined;
  };

  /** `file`: the database the main connection has opened and migrated. */
  constructor(private readonly file: string) {}

  current(group: CacheGroup): number {
    if (this.counters === undefined) {
      this.counters = this.read();
      setImmediate(this.forget);
    }
    return this.counters[group];
  }

  /** The triggers already moved the counter, where every process reads it; only this turn's copy is out of date. */
  async committed(): Promise<void> {
    this.counters = undefined;
  }

  async close(): Promise<void> {
    this.connection?.close();
    this.connection = undefined;
    this.statement = undefined;
  }

  private read(): Counters {
    if (this.statement === undefined) {
      // Opened on first use: the table exists once the main connection has migrated.
      const connection = new SQLite(this.file, { fileMustExist: true });
      connection.pragma('busy_timeout = 5000');
      this.statement = connection.prepare<[], Counters>('select api_keys, identities, signing_keys from cache_generations where id = 1');
      this.connection = connection;
    }
    const counters = this.statement.get();
    if (counters === undefined) throw new Error('cache_generations has no row: the database was not migrated');
    return counters;
  }
}
