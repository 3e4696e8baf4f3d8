import Fastify from 'fastify';
import { listeningUrl } from './listening-url.js';
import { type MetricsSource, serveMetrics } from './metrics.js';

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * /metrics alone, without the admin token, on a listener of its own (SHOEBOX_METRICS_PORT): for a
 * Prometheus that reaches it where devices cannot, so it needs no admin rights. It binds loopback
 * unless SHOEBOX_METRICS_HOST says otherwise; every other path answers 404.
 */
export async function listenForMetrics(source: MetricsSource, host: string, port: number): Promise<MetricsListener> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.get('/metrics', serveMetrics(source));
  await app.listen({ host, port });
  return { url: listeningUrl(host, app.server), close: () => app.close() };
}
