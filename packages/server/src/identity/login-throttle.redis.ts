import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../config.js';
import { REDIS_NAMESPACES } from '../limiter/redis.js';
import { LoginThrottle } from './login-throttle.js';

/**
 * Failure counters in Redis, shared by every API process. When Redis fails, each process counts
 * in its own memory (rate-limiter-flexible's insurance limiter) rather than refusing logins.
 */
export function redisLoginThrottle(redis: Redis, prefix: string, config: IdentityConfig): LoginThrottle {
  const limiter = (name: string, points: number) => {
    const options = { keyPrefix: `${prefix}${name}`, points, duration: config.loginFailureWindowSeconds };
    return new RateLimiterRedis({
      ...options,
      storeClient: redis,
      useRedisPackage: false,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  };
  return new LoginThrottle(
    limiter(REDIS_NAMESPACES.loginEmails, config.loginFailuresPerEmail),
    limiter(REDIS_NAMESPACES.loginAddresses, config.loginFailuresPerAddress),
  );
}
