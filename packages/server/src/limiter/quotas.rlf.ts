import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';

/**
 * Quota counters on any rate-limiter-flexible store. The limiter never refuses (its points are
 * unbounded); PlanLimiter compares the count with the plan. Each counter expires with its period.
 */
export function rateLimiterCounters(limiter: RateLimiterAbstract, close: () => Promise<void>): QuotaCounters {
  return {
    async increment(counterKey, expiresAt, by = 1) {
      const customDuration = Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 1000));
      const result = await limiter.consume(counterKey, by, { customDuration });
      return result.consumedPoints;
    },
    async read(counterKey) {
      const result = await limiter.get(counterKey);
      return result?.consumedPoints ?? 0;
    },
    close,
  };
}
