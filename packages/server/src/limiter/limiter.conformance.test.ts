import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase } from '../testing/databases.js';
import { tempDir } from '../testing/harness.js';
import { MemoryTokenBuckets } from './buckets.memory.js';
import { RedisTokenBuckets } from './buckets.redis.js';
import type { QuotaCounters, TokenBuckets } from './limiter.js';
import { memoryQuotas } from './quotas.memory.js';
import { openPostgresQuotas } from './quotas.postgres.js';
import { openRedisQuotas } from './quotas.redis.js';
import { openSqliteQuotas } from './quotas.sqlite.js';
import { connectRedis, REDIS_NAMESPACES } from './redis.js';
import { countAttempt, type WindowLimiters } from './window-limiters.js';
import { memoryWindowLimiters } from './window-limiters.memory.js';
import { redisWindowLimiters } from './window-limiters.redis.js';

// One suite per interface of the limiter, run over every implementation this machine can run:
// each engine must answer the same as the others, so the configuration picks one freely.
const adminUrl = process.env.SHOEBOX_TEST_DATABASE_URL;
const redisUrl = process.env.SHOEBOX_TEST_REDIS_URL;
const database = `shoebox_test_limiter_${randomUUID().slice(0, 8)}`;
const dir = tempDir('shoebox-limiter-');
let databaseUrl: string | undefined;
const pools: pg.Pool[] = [];
let redis: Redis | undefined;
// Keys of each run are its own: Redis is shared with the rest of the suite and never flushed.
const prefix = `shoebox-conformance-${randomUUID().slice(0, 8)}:`;

beforeAll(async () => {
  if (adminUrl) databaseUrl = await createDatabase(adminUrl, database);
  if (redisUrl) redis = await connectRedis(redisUrl);
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  if (adminUrl) await dropDatabase(adminUrl, database);
  redis?.disconnect();
});

/** A pool of its own per store, as a deployment has (statements are prepared per table name and connection). */
function newPool(): pg.Pool {
  if (!databaseUrl) throw new Error('PostgreSQL is not configured');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // The store's own timers may still hold a connection when the suite drops its database: that
  // connection's end is expected, not an error of the test.
  pool.on('error', () => {});
  pools.push(pool);
  return pool;
}
const needRedis = () => redis ?? Promise.reject(new Error('Redis is not configured'));

interface Implementation<T> {
  readonly name: string;
  readonly runs: boolean;
  /** An instance over the store named `store`: a new name is an empty store, the same name what an earlier instance counted. */
  open(store: string): Promise<T>;
  /** Whether counts outlive the instance (a restart), as a quota's must wherever the engine allows. */
  readonly durable: boolean;
}

const quotaCounters: Implementation<QuotaCounters>[] = [
  { name: 'memory', runs: true, durable: false, open: async () => memoryQuotas() },
  { name: 'sqlite', runs: true, durable: true, open: (store) => openSqliteQuotas(join(dir, `${store}.sqlite`)) },
  {
    name: 'postgres',
    runs: Boolean(adminUrl),
    durable: true,
    open: async (store) => {
      const pool = newPool();
      await pool.query(`create schema if not exists ${store}`);
      return openPostgresQuotas(pool, store);
    },
  },
  {
    name: 'redis',
    runs: Boolean(redisUrl),
    durable: true,
    open: async (store) => openRedisQuotas(await needRedis(), `${prefix}${store}:`),
  },
];

const tokenBuckets: Implementation<TokenBuckets>[] = [
  { name: 'memory', runs: true, durable: false, open: async () => new MemoryTokenBuckets() },
  {
    name: 'redis',
    runs: Boolean(redisUrl),
    durable: true,
    open: async (store) => new RedisTokenBuckets(await needRedis(), `${prefix}${store}:`),
  },
];

const windowLimiters: Implementation<WindowLimiters>[] = [
  { name: 'memory', runs: true, durable: false, open: async () => memoryWindowLimiters },
  {
    name: 'redis',
    runs: Boolean(redisUrl),
    durable: true,
    open: async (store) => redisWindowLimiters(await needRedis(), `${prefix}${store}:`),
  },
];

const running = <T>(implementations: Implementation<T>[]) => implementations.filter((implementation) => implementation.runs);
const store = () => `s${randomUUID().replaceAll('-', '').slice(0, 12)}`;

async function eventually(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(running(quotaCounters))('quota counters ($name)', (implementation) => {
  const inADay = () => new Date(Date.now() + 86_400_000);

  it('counts up per key, by one or by a batch, and reads without counting', async () => {
    const counters = await implementation.open(store());
    expect(await counters.read('a')).toBe(0);
    expect(await counters.increment('a', inADay())).toBe(1);
    expect(await counters.increment('a', inADay(), 5)).toBe(6);
    expect(await counters.read('a')).toBe(6);
    expect(await counters.read('a')).toBe(6);
    expect(await counters.increment('b', inADay())).toBe(1);
    await counters.close();
  });

  it('gives each of many concurrent increments a count of its own', async () => {
    const counters = await implementation.open(store());
    const counts = await Promise.all(Array.from({ length: 60 }, () => counters.increment('busy', inADay())));
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await counters.read('busy')).toBe(60);
    await counters.close();
  });

  it('forgets a counter once its period is over', async () => {
    const counters = await implementation.open(store());
    await counters.increment('short', new Date(Date.now() + 1000), 3);
    expect(await counters.read('short')).toBe(3);
    await eventually(async () => (await counters.read('short')) === 0);
    expect(await counters.increment('short', inADay())).toBe(1);
    await counters.close();
  });

  it.runIf(implementation.durable)('keeps the counts across a restart', async () => {
    const name = store();
    const first = await implementation.open(name);
    await first.increment('kept', inADay(), 4);
    await first.close();
    const second = await implementation.open(name);
    expect(await second.read('kept')).toBe(4);
    expect(await second.increment('kept', inADay())).toBe(5);
    await second.close();
  });
});

describe.each(running(tokenBuckets))('token buckets ($name)', (implementation) => {
  it('lets a full bucket through, then refuses with the wait until a token is back', async () => {
    const buckets = await implementation.open(store());
    const states = [];
    for (let i = 0; i < 4; i++) states.push(await buckets.take('key', 0.5, 3));
    expect(states.map((state) => state.allowed)).toEqual([true, true, true, false]);
    expect(states.map((state) => state.remaining)).toEqual([2, 1, 0, 0]);
    expect(states[3]).toMatchObject({ retryAfterSeconds: 2, resetSeconds: 6 });
    await buckets.close();
  });

  it('takes a batch whole or not at all', async () => {
    const buckets = await implementation.open(store());
    expect(await buckets.take('key', 0.01, 10, 7)).toMatchObject({ allowed: true, remaining: 3 });
    expect(await buckets.take('key', 0.01, 10, 4)).toMatchObject({ allowed: false, remaining: 3 });
    expect(await buckets.take('key', 0.01, 10, 3)).toMatchObject({ allowed: true, remaining: 0 });
    await buckets.close();
  });

  it('refills at the rate, never past the burst', async () => {
    const buckets = await implementation.open(store());
    // Two tokens a second: a token is back within half a second, and a second and a half fills the bucket.
    for (let i = 0; i < 2; i++) await buckets.take('key', 2, 2);
    expect((await buckets.take('key', 2, 2)).allowed).toBe(false);
    await eventually(async () => (await buckets.take('key', 2, 2)).allowed);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const states = [];
    for (let i = 0; i < 3; i++) states.push((await buckets.take('key', 2, 2)).allowed);
    expect(states).toEqual([true, true, false]);
    await buckets.close();
  });

  it('keeps keys apart, and lets exactly the burst through when requests come at once', async () => {
    const buckets = await implementation.open(store());
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => buckets.take(i % 2 ? 'odd' : 'even', 0.01, 8)));
    expect(results.filter((state, i) => i % 2 === 0 && state.allowed)).toHaveLength(8);
    expect(results.filter((state, i) => i % 2 === 1 && state.allowed)).toHaveLength(8);
    await buckets.close();
  });
});

describe.each(running(windowLimiters))('window counters of the login and guest throttles ($name)', (implementation) => {
  it('counts attempts per key within the window, each concurrent attempt with a count of its own', async () => {
    const limiters = await implementation.open(store());
    const limiter = limiters(REDIS_NAMESPACES.loginEmails, 5, 60);
    const counts = await Promise.all(Array.from({ length: 8 }, () => countAttempt(limiter, 'ada@example.com')));
    expect(counts.map((result) => result.consumedPoints).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(counts.every((result) => result.msBeforeNext > 0 && result.msBeforeNext <= 60_000)).toBe(true);
    expect((await countAttempt(limiter, 'grace@example.com')).consumedPoints).toBe(1);
    // Another namespace counts apart, even for the same key.
    expect((await countAttempt(limiters(REDIS_NAMESPACES.loginAddresses, 5, 60), 'ada@example.com')).consumedPoints).toBe(1);
  });

  it('starts counting again once the window is over', async () => {
    const limiters = await implementation.open(store());
    const limiter = limiters(REDIS_NAMESPACES.guestAddresses, 2, 1);
    for (let i = 0; i < 3; i++) await countAttempt(limiter, '192.0.2.1');
    await eventually(async () => (await limiter.get('192.0.2.1')) === null);
    expect((await countAttempt(limiter, '192.0.2.1')).consumedPoints).toBe(1);
  });
});
