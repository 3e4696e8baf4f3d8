import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { openPostgres } from '../db/postgres.js';
import { openSqlite } from '../db/sqlite.js';
import type { QuotaCounters } from '../limiter/limiter.js';
import { openPostgresQuotas } from '../limiter/quotas.postgres.js';
import { openSqliteQuotas } from '../limiter/quotas.sqlite.js';
import type { SearchIndex } from '../search/index.js';
import { PostgresSearchIndex } from '../search/index.postgres.js';
import { SqliteSearchIndex } from '../search/index.sqlite.js';
import type { ChangeClaims } from '../stream/claims.js';
import { PostgresChangeClaims } from '../stream/claims.postgres.js';
import { SqliteChangeClaims } from '../stream/claims.sqlite.js';
import type { DataLayout } from './layout.js';

export interface Storage {
  readonly database: Database;
  readonly quotas: QuotaCounters;
}

/** The one place where configuration picks an engine: SQLite in the data folder, or PostgreSQL. */
export async function openStorage(config: Config, layout: DataLayout): Promise<Storage> {
  if (config.databaseUrl !== undefined) {
    const database = await openPostgres(config.databaseUrl, config.databasePoolSize);
    return { database, quotas: await openPostgresQuotas(database.pool) };
  }
  const database = openSqlite(layout.databaseFile);
  return { database, quotas: await openSqliteQuotas(layout.quotaFile) };
}

/** The engine-specific halves of the change stream and of search, for an open database. */
export function streamAdapters(database: Database): { readonly claims: ChangeClaims; readonly searchIndex: SearchIndex } {
  return database.engine === 'postgres'
    ? { claims: new PostgresChangeClaims(), searchIndex: new PostgresSearchIndex() }
    : { claims: new SqliteChangeClaims(database), searchIndex: new SqliteSearchIndex(database) };
}
