/**
 * Usage plans, enforced per API key: a token bucket (`rate` tokens per second, `burst` capacity)
 * and an optional quota of requests per UTC calendar period. Engines implement the two stores;
 * `PlanLimiter` combines them into one decision.
 */

export type QuotaPeriod = 'day' | 'week' | 'month';

export interface Plan {
  readonly rate: number;
  readonly burst: number;
  readonly quota: { readonly limit: number; readonly period: QuotaPeriod } | null;
}

export interface BucketState {
  /** Whether the tokens were taken (all of them, or none). */
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until the bucket is full again. */
  readonly resetSeconds: number;
  /** When refused: seconds until the tokens asked for are available. */
  readonly retryAfterSeconds: number;
}

export interface QuotaUsage {
  readonly used: number;
  readonly limit: number;
  readonly period: QuotaPeriod;
  readonly resetsAt: Date;
}

/**
 * Takes `cost` tokens (one per request; a batch of n costs n) from a key's bucket, all or none.
 * Must be atomic per key across every process sharing the store.
 */
export interface TokenBuckets {
  take(keyId: string, rate: number, burst: number, cost?: number): Promise<BucketState>;
  close(): Promise<void>;
}

/**
 * Counts requests per key and calendar period. `increment` is atomic and durable enough that
 * usage survives a restart; `read` does not count.
 */
export interface QuotaCounters {
  increment(counterKey: string, expiresAt: Date, by?: number): Promise<number>;
  read(counterKey: string): Promise<number>;
  close(): Promise<void>;
}

export type LimitDecision =
  | { readonly allowed: true; readonly headers: RateLimitHeaders }
  | {
      readonly allowed: false;
      readonly reason: 'rate' | 'quota';
      readonly retryAfterSeconds: number;
      readonly resetsAt: Date;
      readonly headers: RateLimitHeaders;
    };

export interface RateLimitHeaders {
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
}
