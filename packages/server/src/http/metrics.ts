import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly rejections: Counter<'reason'>;
}

/** A registry per app, so tests (and several apps in one process) never share counters. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shoebox_' });
  const rejections = new Counter({
    name: 'shoebox_http_rejections_total',
    help: 'Requests refused with a 4xx problem, by problem code',
    labelNames: ['reason'],
    registers: [registry],
  });
  return { registry, rejections };
}

/** Counts and times every request by route pattern (never the raw URL, to bound label values). */
export function instrumentRequests(app: FastifyInstance, metrics: Metrics): void {
  const duration = new Histogram({
    name: 'shoebox_http_request_duration_seconds',
    help: 'Request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });
  const requests = new Counter({
    name: 'shoebox_http_requests_total',
    help: 'Requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
