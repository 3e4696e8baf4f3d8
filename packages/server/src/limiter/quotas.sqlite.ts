import SQLite from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';
import { rateLimiterCounters } from './quotas.rlf.js';

/**
 * Quota counters kept by rate-limiter-flexible in their own SQLite file. A separate file (and
 * connection) keeps these one-statement writes out of the main database's transactions.
 */
export async function openSqliteQuotas(file: string): Promise<QuotaCounters> {
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  const limiter = await new Promise<RateLimiterSQLite>((resolve, reject) => {
    const created: RateLimiterSQLite = new RateLimiterSQLite(
      {
        storeClient: connection,
        storeType: 'better-sqlite3',
        tableName: 'quota_counters',
        points: Number.MAX_SAFE_INTEGER,
        duration: 0,
        clearExpiredByTimeout: true,
      },
      (error?: Error) => (error ? reject(error) : resolve(created)),
    );
  });
  return rateLimiterCounters(limiter, async () => {
    connection.close();
  });
}
