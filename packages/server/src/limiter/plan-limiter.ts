import { type Clock, systemClock } from '../shared/clock.js';
import type { LimitDecision, Plan, QuotaCounters, QuotaUsage, TokenBuckets } from './limiter.js';
import { periodBounds } from './periods.js';

/** Applies a plan: the bucket first (cheap, in memory or Redis), then the durable quota. */
export class PlanLimiter {
  constructor(
    private readonly buckets: TokenBuckets,
    private readonly quotas: QuotaCounters,
    /** Which quota period a request falls in. (Token buckets keep their own time: Redis's, or the process's monotonic clock.) */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Counts `cost` requests (a batch of n notes is n) against the plan, all or none. A refused
   * request is still counted against the quota, but a refused batch only as its first request, so
   * a client that sends a smaller batch next still has the rest of its quota.
   */
  async check(keyId: string, plan: Plan, cost = 1): Promise<LimitDecision> {
    const bucket = await this.buckets.take(keyId, plan.rate, plan.burst, cost);
    const bucketHeaders = { limit: plan.burst, remaining: bucket.remaining, resetSeconds: bucket.resetSeconds };
    if (!bucket.allowed) {
      return {
        allowed: false,
        reason: 'rate',
        retryAfterSeconds: bucket.retryAfterSeconds,
        resetsAt: new Date(this.clock.now() + bucket.retryAfterSeconds * 1000),
        headers: bucketHeaders,
      };
    }
    if (!plan.quota) return { allowed: true, headers: bucketHeaders };

    const now = new Date(this.clock.now());
    const { start, end } = periodBounds(plan.quota.period, now);
    const key = counterKey(keyId, plan.quota.period, start);
    const over = cost > 1 && (await this.quotas.read(key)) + cost > plan.quota.limit;
    const used = over ? plan.quota.limit + 1 : await this.quotas.increment(key, end, cost);
    const secondsToEnd = Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
    const quotaRemaining = Math.max(0, plan.quota.limit - used);
    if (used > plan.quota.limit) {
      return {
        allowed: false,
        reason: 'quota',
        retryAfterSeconds: secondsToEnd,
        resetsAt: end,
        headers: { limit: plan.quota.limit, remaining: 0, resetSeconds: secondsToEnd },
      };
    }
    // Report whichever policy is closer to refusing, as the RateLimit header draft asks.
    const headers =
      quotaRemaining < bucket.remaining
        ? { limit: plan.quota.limit, remaining: quotaRemaining, resetSeconds: secondsToEnd }
        : bucketHeaders;
    return { allowed: true, headers };
  }

  /** This period's usage of a key's quota, or null when its plan has none. Does not count. */
  async usage(keyId: string, plan: Plan): Promise<QuotaUsage | null> {
    if (!plan.quota) return null;
    const { start, end } = periodBounds(plan.quota.period, new Date(this.clock.now()));
    const used = await this.quotas.read(counterKey(keyId, plan.quota.period, start));
    return { used: Math.min(used, plan.quota.limit), limit: plan.quota.limit, period: plan.quota.period, resetsAt: end };
  }
}

const counterKey = (keyId: string, period: string, start: Date) => `${keyId}:${period}:${start.toISOString().slice(0, 10)}`;
