import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';
import { rateLimiterCounters } from './quotas.rlf.js';

/** Quota counters kept by rate-limiter-flexible in a PostgreSQL table, shared by every process. */
export async function openPostgresQuotas(pool: pg.Pool, schemaName: string): Promise<QuotaCounters> {
  const limiter = await new Promise<RateLimiterPostgres>((resolve, reject) => {
    const created: RateLimiterPostgres = new RateLimiterPostgres(
      {
        storeClient: pool,
        schemaName,
        tableName: 'quota_counters',
        points: Number.MAX_SAFE_INTEGER,
        duration: 0,
        clearExpiredByTimeout: true,
      },
      (error?: Error) => (error ? reject(error) : resolve(created)),
    );
  });
  return rateLimiterCounters(limiter, async () => {});
}
