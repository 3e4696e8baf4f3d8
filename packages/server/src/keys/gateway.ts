import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';
import type { LimitDecision, Plan, RateLimitHeaders } from '../limiter/limiter.js';
import type { PlanLimiter } from '../limiter/plan-limiter.js';
import type { ApiKeyService } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of the API key that authenticated this request, for logs; null outside /v1. */
    apiKeyId: string | null;
  }
}

/**
 * The API gateway in front of every /v1 route: a valid, unrevoked API key, then its usage plan.
 * Every answer, refusals included, tells the caller where it stands with RateLimit-* headers.
 */
export function apiGateway(keys: ApiKeyService, limiter: PlanLimiter) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const presented = request.headers['x-api-key'];
    if (Array.isArray(presented)) throw new Problem('bad_header', 'Send exactly one x-api-key header.');
    const apiKey = await keys.authenticate(presented);
    request.apiKeyId = apiKey.id;
    const decision = await limiter.check(apiKey.id, apiKey.plan);
    if (!decision.allowed) throw refusal(apiKey.plan, decision);
    reply.headers(rateLimitHeaders(decision.headers));
  };
}

/**
 * The 429 for a request the usage plan refused, with where the key stands in its headers.
 * `detail` replaces the explanation where the request counts as more than one (a batch).
 */
export function refusal(plan: Plan, decision: Extract<LimitDecision, { allowed: false }>, detail?: string): Problem {
  const retryAfter = String(decision.retryAfterSeconds);
  const headers = { ...rateLimitHeaders(decision.headers), 'retry-after': retryAfter };
  if (decision.reason === 'rate') {
    return new Problem(
      'rate_limited',
      detail ?? `This API key's plan allows ${plan.rate} requests per second (bursts of ${plan.burst}). Retry after ${retryAfter} s.`,
      { headers, extensions: { retryAfterSeconds: decision.retryAfterSeconds } },
    );
  }
  return new Problem(
    'quota_exceeded',
    detail ??
      `This API key has used its quota of ${plan.quota?.limit} requests per ${plan.quota?.period}. It resets at ${decision.resetsAt.toISOString()}.`,
    { headers, extensions: { resetsAt: decision.resetsAt.toISOString() } },
  );
}

export const rateLimitHeaders = (headers: RateLimitHeaders): Record<string, string> => ({
  'ratelimit-limit': String(headers.limit),
  'ratelimit-remaining': String(headers.remaining),
  'ratelimit-reset': String(headers.resetSeconds),
});
