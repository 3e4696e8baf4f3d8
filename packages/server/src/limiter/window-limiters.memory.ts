import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { WindowLimiters } from './window-limiters.js';

/** Window counters in this process's memory: exact for one API process; several processes need Redis. */
export const memoryWindowLimiters: WindowLimiters = (namespace, points, windowSeconds) =>
  new RateLimiterMemory({ keyPrefix: namespace, points, duration: windowSeconds });
