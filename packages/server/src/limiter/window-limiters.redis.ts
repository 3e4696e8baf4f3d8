import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { WindowLimiters } from './window-limiters.js';

/**
 * Window counters in Redis, shared by every API process: rate-limiter-flexible counts with one Lua
 * script per attempt, atomic across processes. When Redis fails, each process counts in its own
 * memory (the insurance limiter) rather than refusing: limits then hold per process.
 */
export const redisWindowLimiters =
  (redis: Redis, prefix: string): WindowLimiters =>
  (namespace, points, windowSeconds) => {
    const options = { keyPrefix: `${prefix}${namespace}`, points, duration: windowSeconds };
    return new RateLimiterRedis({
      ...options,
      storeClient: redis,
      useRedisPackage: false,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
