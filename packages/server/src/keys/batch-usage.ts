import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';
import type { PlanLimiter } from '../limiter/plan-limiter.js';
import { rateLimitHeaders, refusal } from './gateway.js';
import type { ApiKeyService } from './service.js';

/**
 * Counts a request that stands for `count` requests (a batch of `count` notes) against its API
 * key's usage plan, all or nothing, before any of it is done: so batching is never a way around a
 * plan. The gateway counted the request itself; this counts the other `count - 1`.
 */
export type BatchUsage = (request: FastifyRequest, reply: FastifyReply, count: number) => Promise<void>;

export function batchUsage(keys: ApiKeyService, limiter: PlanLimiter): BatchUsage {
  return async (request, reply, count) => {
    // The gateway authenticated this key a moment ago: this is its cached entry.
    const apiKey = await keys.authenticate(request.headers['x-api-key'] as string);
    const { plan } = apiKey;
    const most = Math.min(plan.burst, plan.quota?.limit ?? plan.burst);
    if (count > most) {
      // Never allowed whatever the wait, so a 429 would have the client retry forever.
      throw new Problem(
        'payload_too_large',
        `A batch of ${count} notes counts as ${count} requests, and this API key's plan allows at most ${most} at once (bursts of ${plan.burst}${plan.quota ? `, a quota of ${plan.quota.limit} per ${plan.quota.period}` : ''}). Send at most ${most} notes per batch.`,
        { extensions: { maxNotes: most } },
      );
    }
    if (count === 1) return;
    const decision = await limiter.check(apiKey.id, plan, count - 1);
    if (decision.allowed) {
      reply.headers(rateLimitHeaders(decision.headers));
      return;
    }
    if (decision.reason === 'rate') {
      throw refusal(
        plan,
        decision,
        `A batch of ${count} notes counts as ${count} requests: more than this API key's plan allows right now (${plan.rate} per second, bursts of ${plan.burst}). Retry after ${decision.retryAfterSeconds} s, or send fewer notes.`,
      );
    }
    const usage = await limiter.usage(apiKey.id, plan);
    const left = usage ? usage.limit - usage.used : 0;
    throw refusal(
      plan,
      decision,
      `A batch of ${count} notes counts as ${count} requests, and this API key has ${left} left of its quota of ${plan.quota?.limit} per ${plan.quota?.period} (it resets at ${decision.resetsAt.toISOString()}). Send at most ${left} notes, or wait for the reset.`,
    );
  };
}
