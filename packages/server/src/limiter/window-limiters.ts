import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { Problem, type ProblemCode } from '../errors.js';
import type { RedisNamespace } from './redis.js';

/**
 * Makes a fixed-window counter: `points` attempts per key within `windowSeconds` of the key's first
 * attempt, as a rate-limiter-flexible limiter named by `namespace`. One implementation per engine
 * (process memory, or Redis shared by every process); on both, `consume` counts atomically, so
 * attempts sent at once each see a count of their own and a burst cannot outrun the limit.
 */
export type WindowLimiters = (namespace: RedisNamespace, points: number, windowSeconds: number) => RateLimiterAbstract;

/**
 * Counts one attempt and answers the count including it, within the limit or past it (the caller
 * compares `consumedPoints` with its limit). A store failure throws.
 */
export async function countAttempt(limiter: RateLimiterAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return refusal;
    throw refusal;
  }
}

/** A 429 problem whose `Retry-After` header and `retryAfterSeconds` member say when `waitMs` ends (at least 1 s). */
export function throttled(code: ProblemCode, detail: (retryAfterSeconds: number) => string, waitMs: number): Problem {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new Problem(code, detail(retryAfterSeconds), {
    headers: { 'retry-after': String(retryAfterSeconds) },
    extensions: { retryAfterSeconds },
  });
}
