import type { BucketState, QuotaCounters, TokenBuckets } from './limiter.js';

/**
 * What happens when the shared limiter store (Redis) fails: Shoebox fails OPEN to per-process
 * limits rather than refusing every request. Each API process then enforces plans on its own
 * (N processes allow up to N times a key's rate) and counts quota usage locally until the store
 * answers again. `onFailure` hears of every failure, so the outage is logged and counted.
 */
type OnFailure = (error: unknown) => void;

async function attempt<T>(primary: () => Promise<T>, fallback: () => Promise<T>, onFailure: OnFailure): Promise<T> {
  try {
    return await primary();
  } catch (error) {
    onFailure(error);
    return fallback();
  }
}

export const bucketsWithFallback = (primary: TokenBuckets, fallback: TokenBuckets, onFailure: OnFailure): TokenBuckets => ({
  take: (keyId: string, rate: number, burst: number, cost?: number): Promise<BucketState> =>
    attempt(
      () => primary.take(keyId, rate, burst, cost),
      () => fallback.take(keyId, rate, burst, cost),
      onFailure,
    ),
  close: async () => {
    await Promise.all([primary.close(), fallback.close()]);
  },
});

export const quotasWithFallback = (primary: QuotaCounters, fallback: QuotaCounters, onFailure: OnFailure): QuotaCounters => ({
  increment: (counterKey, expiresAt, by) =>
    attempt(
      () => primary.increment(counterKey, expiresAt, by),
      () => fallback.increment(counterKey, expiresAt, by),
      onFailure,
    ),
  read: (counterKey) =>
    attempt(
      () => primary.read(counterKey),
      () => fallback.read(counterKey),
      onFailure,
    ),
  close: async () => {
    await Promise.all([primary.close(), fallback.close()]);
  },
});
