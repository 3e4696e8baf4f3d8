import { randomBytes } from 'node:crypto';
import type { Eraser } from '../packages/server/src/cli/destroy/eraser.js';
import { openRedisEraser } from '../packages/server/src/cli/destroy/eraser.redis.js';
import { redactUrl } from '../packages/server/src/shared/urls.js';
import { createDatabase, dropDatabase, withConnection } from '../packages/server/src/testing/databases.js';

/** A server whose user may create databases; each run makes its own and drops it. */
const ADMIN_URL = process.env.SHOEBOX_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.SHOEBOX_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface ScaleOut {
  /** Environment for every Shoebox process of the run: the database and Redis, with the run's key prefix. */
  readonly env: Record<string, string>;
  /**
   * Brings the database to the state autovacuum keeps it in, after a bulk load: statistics for the
   * planner, and the full-text index's pending list merged into the index (searches read it whole).
   */
  settle(): Promise<void>;
  /** Drops the run's database and deletes its Redis keys. */
  remove(): Promise<void>;
}

/**
 * A fresh PostgreSQL database and Redis key prefix for one benchmark run, or why there can be
 * none (a server that does not answer), so the scenario can skip instead of failing the run.
 */
export async function provisionScaleOut(): Promise<ScaleOut | { skipped: string }> {
  const run = randomBytes(6).toString('hex');
  const database = `shoebox_bench_${run}`;
  const prefix = `shoebox-bench-${run}:`;
  // What `shoebox destroy` would remove from Redis: the run's keys (connecting checks Redis answers).
  let redis: Eraser;
  try {
    redis = await openRedisEraser(REDIS_URL, prefix);
  } catch (error) {
    return { skipped: `${(error as Error).message} (set SHOEBOX_BENCH_REDIS_URL)` };
  }
  let databaseUrl: string;
  try {
    databaseUrl = await createDatabase(ADMIN_URL, database);
  } catch (error) {
    await redis.close();
    const reason = `cannot create a database on PostgreSQL at ${redactUrl(ADMIN_URL)}: ${(error as Error).message}`;
    return { skipped: `${reason} (set SHOEBOX_BENCH_DATABASE_URL)` };
  }
  return {
    env: { SHOEBOX_DATABASE_URL: databaseUrl, SHOEBOX_REDIS_URL: REDIS_URL, SHOEBOX_REDIS_PREFIX: prefix },
    async settle() {
      await withConnection(databaseUrl, (client) => client.query('vacuum analyze'));
    },
    async remove() {
      try {
        await dropDatabase(ADMIN_URL, database);
        await redis.erase(() => {});
      } finally {
        await redis.close();
      }
    },
  };
}
