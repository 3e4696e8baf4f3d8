import type { Kysely } from 'kysely';

/**
 * Every table Shoebox owns. Empty here: each capability declares its tables beside its store and
 * adds them to this interface (a module augmentation at the end of its tables.ts), so the database
 * layer names no capability.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from each capability's tables.ts
export interface Tables {}

export type Engine = 'sqlite' | 'postgres';

/**
 * Kysely over tables no type describes: what migrations run on (the schema as it was at their
 * point of history, not as Tables says today), and the plain-SQL helpers they share with the live
 * code. Everything else queries through `Database.db`, typed by Tables.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one untyped schema, named so that it is the only one
export type UntypedDb = Kysely<any>;

/**
 * An open database of either engine. Services see only `db` (Kysely, one query serves both
 * engines) and the engine name, which adapters use to pick their engine-specific file.
 */
export interface Database {
  readonly engine: Engine;
  readonly db: Kysely<Tables>;
  /**
   * Runs `work` in a transaction that no other holder of `lock` runs at the same time, in any
   * process: for check-then-write decisions no unique index can guard (the first start's key).
   */
  exclusive<T>(lock: string, work: (trx: Kysely<Tables>) => Promise<T>): Promise<T>;
  /**
   * Runs `work` in a writing transaction, resolving once it committed. Where the engine runs one
   * transaction at a time (SQLite), writes waiting together may share a commit, each rolled back
   * alone if it throws: `work` must only touch the database, never wait on anything else.
   */
  write<T>(work: (trx: Kysely<Tables>) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
