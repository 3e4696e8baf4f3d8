import SQLite from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';
import { rateLimiterCounters } from './quotas.rlf.js';

/** How often counters that expired over an hour ago are deleted, as the library would. */
const PRUNE_EVERY_MS = 5 * 60_000;
const PRUNE_AFTER_MS = 3600_000;

/** `clearExpired` is public in rate-limiter-flexible's code but missing from its types. */
type Prunable = RateLimiterSQLite & { clearExpired(before: number): Promise<void> };

/**
 * Quota counters kept by rate-limiter-flexible in their own SQLite file. A separate file (and
 * connection) keeps these one-statement writes out of the main database's transactions.
 * Expired counters are pruned on a timer of ours rather than the library's, which cannot be
 * stopped: it would fire on the closed file in a process that outlives the counters.
 */
export async function openSqliteQuotas(file: string): Promise<QuotaCounters> {
  const connection = new SQLite(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  const limiter = await new Promise<Prunable>((resolve, reject) => {
    const created = new RateLimiterSQLite(
      {
        storeClient: connection,
        storeType: 'better-sqlite3',
        tableName: 'quota_counters',
        points: Number.MAX_SAFE_INTEGER,
        duration: 0,
        clearExpiredByTimeout: false,
      },
      (error?: Error) => (error ? reject(error) : resolve(created as Prunable)),
    );
  });
  const pruning = setInterval(() => limiter.clearExpired(Date.now() - PRUNE_AFTER_MS).catch(() => {}), PRUNE_EVERY_MS);
  pruning.unref();
  return rateLimiterCounters(limiter, async () => {
    clearInterval(pruning);
    connection.close();
  });
}
