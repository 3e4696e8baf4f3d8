import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';
import type { RateLimitHeaders } from '../limiter/limiter.js';
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
    const headers = rateLimitHeaders(decision.headers);
    if (decision.allowed) {
      reply.headers(headers);
      return;
    }
    const retryAfter = String(decision.retryAfterSeconds);
    const problemHeaders = { ...headers, 'retry-after': retryAfter };
    if (decision.reason === 'rate') {
      throw new Problem(
        'rate_limited',
        `This API key's plan allows ${apiKey.plan.rate} requests per second (bursts of ${apiKey.plan.burst}). Retry after ${retryAfter} s.`,
        {
          headers: problemHeaders,
          extensions: { retryAfterSeconds: decision.retryAfterSeconds },
        },
      );
    }
    throw new Problem(
      'quota_exceeded',
      `This API key has used its quota of ${apiKey.plan.quota?.limit} requests per ${apiKey.plan.quota?.period}. It resets at ${decision.resetsAt.toISOString()}.`,
      {
        headers: problemHeaders,
        extensions: { resetsAt: decision.resetsAt.toISOString() },
      },
    );
  };
}

const rateLimitHeaders = (headers: RateLimitHeaders): Record<string, string> => ({
  'ratelimit-limit': String(headers.limit),
  'ratelimit-remaining': String(headers.remaining),
  'ratelimit-reset': String(headers.resetSeconds),
});
