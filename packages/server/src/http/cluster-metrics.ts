import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ClusterLink } from '../shared/cluster-link.js';
import type { MetricsSource } from './metrics.js';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const COLLECT = 'metrics.collect';
const COLLECTED = 'metrics.collected';
const ASK = 'metrics.ask';
const ANSWER = 'metrics.answer';
/** A process that does not answer in time is left out of that scrape rather than failing it. */
const TIMEOUT_MS = 2_000;

/**
 * The primary's view: its own metrics (the stream, webhooks, backups) and every HTTP process's
 * (requests), summed as prom-client's cluster aggregation does; HTTP processes asking for it
 * (their GET /metrics) get the same text.
 */
export function primaryMetrics(link: ClusterLink, registry: Registry): MetricsSource {
  let nextId = 0;
  const waiting = new Map<number, (metrics: MetricsJson) => void>();
  link.on(COLLECTED, (message) => waiting.get(message.id as number)?.(message.metrics as MetricsJson));
  const source: MetricsSource = {
    contentType: registry.contentType,
    async metrics() {
      const id = nextId++;
      const expected = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected()).length;
      const collected: MetricsJson[] = [await registry.getMetricsAsJSON()];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, TIMEOUT_MS);
        waiting.set(id, (metrics) => {
          collected.push(metrics);
          if (collected.length <= expected) return;
          clearTimeout(timer);
          resolve();
        });
        link.send({ shoebox: COLLECT, id });
        if (expected === 0) resolve();
      });
      waiting.delete(id);
      return AggregatorRegistry.aggregate(collected).metrics();
    },
  };
  link.on(ASK, (message, reply) => {
    source.metrics().then(
      (text) => reply({ shoebox: ANSWER, id: message.id, text }),
      () => reply({ shoebox: ANSWER, id: message.id, text: '' }),
    );
  });
  return source;
}

/** An HTTP process's view: answers its primary's collections with `registry`, and asks it for the whole server's metrics. */
export function forkedMetrics(link: ClusterLink, registry: Registry): MetricsSource {
  link.on(COLLECT, (message, reply) => {
    registry.getMetricsAsJSON().then(
      (metrics) => reply({ shoebox: COLLECTED, id: message.id, metrics }),
      () => {},
    );
  });
  let nextId = 0;
  const waiting = new Map<number, (text: string) => void>();
  link.on(ANSWER, (message) => waiting.get(message.id as number)?.(message.text as string));
  return {
    contentType: registry.contentType,
    metrics() {
      const id = nextId++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error('the primary process did not answer for the metrics'));
        }, TIMEOUT_MS * 2);
        waiting.set(id, (text) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(text);
        });
        link.send({ shoebox: ASK, id });
      });
    },
  };
}
