import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { QuotaCounters } from './limiter.js';
import { rateLimiterCounters } from './quotas.rlf.js';

/** Quota counters in process memory: only a stand-in while the shared store is unreachable. */
export const memoryQuotas = (): QuotaCounters =>
  rateLimiterCounters(new RateLimiterMemory({ points: Number.MAX_SAFE_INTEGER, duration: 0 }), async () => {});
