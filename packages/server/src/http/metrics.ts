import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { problemResponses } from './schemas.js';

export interface HttpMetrics {
  readonly rejections: Counter<'reason'>;
}

/**
 * Counts and times every request by route pattern (never the raw URL, to bound label values) and
 * counts 4xx rejections by problem code. The registry is served by `serveMetrics`.
 */
export function instrumentRequests(app: FastifyInstance, registry: Registry): HttpMetrics {
  const rejections = new Counter({
    name: 'shoebox_http_rejections_total',
    help: 'Requests refused with a 4xx problem, by problem code',
    labelNames: ['reason'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'shoebox_http_request_duration_seconds',
    help: 'Request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'shoebox_http_requests_total',
    help: 'Requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  return { rejections };
}

/**
 * Answers the whole registry in Prometheus' text format. Metrics tell who uses the API how much
 * (routes, rejections, stream lag), so the API port serves them to the admin token only, and the
 * metrics listener (http/metrics-listener.ts) on an address the operator chooses.
 */
/** What GET /metrics serves: a registry, or every process of a `serve` with several HTTP processes together (cluster-metrics.ts). */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export const serveMetrics = (source: MetricsSource) => async (_request: FastifyRequest, reply: FastifyReply) =>
  reply.type(source.contentType).send(await source.metrics());

/** GET /metrics for the OpenAPI document: Prometheus' text format, behind the admin token. */
export const metricsSchema = {
  tags: ['operations'],
  operationId: 'getMetrics',
  summary: 'Prometheus metrics (text exposition format)',
  security: [{ adminToken: [] }],
  response: {
    200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
    ...problemResponses('admin_token_required', 'admin_token_invalid'),
  },
};
