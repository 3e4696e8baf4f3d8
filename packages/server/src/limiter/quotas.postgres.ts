import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';
import { rateLimiterCounters } from './quotas.rlf.js';

const TABLE = 'quota_counters';

/** Quota counters kept by rate-limiter-flexible in a PostgreSQL table, shared by every process. */
export async function openPostgresQuotas(pool: pg.Pool, schemaName: string): Promise<QuotaCounters> {
  await createTable(pool, schemaName);
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    schemaName,
    tableName: TABLE,
    tableCreated: true,
    points: Number.MAX_SAFE_INTEGER,
    duration: 0,
    clearExpiredByTimeout: true,
  });
  return rateLimiterCounters(limiter, async () => {});
}

/**
 * The table rate-limiter-flexible would make, made here under a lock: processes starting at once
 * on a new database would each create it, and PostgreSQL fails all but one (type already exists).
 */
async function createTable(pool: pg.Pool, schemaName: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`${schemaName}.${TABLE}`]);
    await client.query(`create table if not exists ${client.escapeIdentifier(schemaName)}.${client.escapeIdentifier(TABLE)} (
      key varchar(255) primary key, points integer not null default 0, expire bigint)`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
