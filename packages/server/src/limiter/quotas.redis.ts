import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';
import { rateLimiterCounters } from './quotas.rlf.js';
import { REDIS_NAMESPACES } from './redis.js';

/** Quota counters kept by rate-limiter-flexible in Redis, shared by every API process. */
export function openRedisQuotas(redis: Redis, prefix: string): QuotaCounters {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}${REDIS_NAMESPACES.quotas}`,
    points: Number.MAX_SAFE_INTEGER,
    duration: 0,
  });
  return rateLimiterCounters(limiter, async () => {});
}
