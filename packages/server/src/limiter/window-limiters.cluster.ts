import { RateLimiterCluster, RateLimiterClusterMaster } from 'rate-limiter-flexible';
import type { WindowLimiters } from './window-limiters.js';

/**
 * Window counters of an HTTP process in a `serve` that forked several: counted in the primary's
 * memory (rate-limiter-flexible's cluster limiter, over IPC), so the login and guest throttles
 * hold for the whole server, not per process.
 */
export const clusterWindowLimiters: WindowLimiters = (namespace, points, windowSeconds) =>
  new RateLimiterCluster({ keyPrefix: namespace, points, duration: windowSeconds, timeoutMs: 5_000 });

/** The primary's side of the window counters; one per primary. */
export const serveWindowLimiters = (): void => {
  new RateLimiterClusterMaster();
};
