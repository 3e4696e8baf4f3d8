import type { Kysely } from 'kysely';
import type { IdentityTables } from '../identity/tables.js';
import type { ApiKeyTables } from '../keys/tables.js';
import type { NoteTables } from '../notes/tables.js';
import type { PhotoTables } from '../photos/tables.js';
import type { SearchTables } from '../search/tables.js';
import type { StreamTables } from '../stream/tables.js';
import type { WebhookTables } from '../webhooks/tables.js';

/** Every table Shoebox owns; each capability declares its own tables beside its store. */
export interface Tables extends ApiKeyTables, IdentityTables, StreamTables, NoteTables, SearchTables, PhotoTables, WebhookTables {}

export type Engine = 'sqlite' | 'postgres';

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
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
