import type { BucketState, TokenBuckets } from './limiter.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets in process memory: exact and free of I/O, for a single API process. Buckets exist
 * only for keys that passed authentication, so the map is bounded by the number of keys.
 */
export class MemoryTokenBuckets implements TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  async take(keyId: string, rate: number, burst: number, cost = 1): Promise<BucketState> {
    const now = this.clock();
    const bucket = this.buckets.get(keyId) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    this.buckets.set(keyId, bucket);
    const allowed = bucket.tokens >= cost;
    if (allowed) bucket.tokens -= cost;
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      resetSeconds: Math.ceil((burst - bucket.tokens) / rate),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((cost - bucket.tokens) / rate)),
    };
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
