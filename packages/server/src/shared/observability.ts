import { type Logger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { LogLevel } from '../config/config.js';
import { batchedStdout } from './batched-stdout.js';

export type { Logger } from 'pino';

/** One JSON-lines logger per process (HTTP requests, stream workers and the CLI share it), batched on standard output. */
export const createLogger = (level: LogLevel, destination?: NodeJS.WritableStream): Logger =>
  pino({ level }, destination ?? batchedStdout());

/** One Prometheus registry per process, so tests running several servers never share counters. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shoebox_' });
  return registry;
}

/**
 * Reports failures of a shared store that Shoebox survives (such as Redis behind the limiter):
 * counted in a metric, logged at most once per `logEveryMs` so an outage does not flood the log.
 */
export function degradedStoreReporter(logger: Logger, registry: Registry, store: string, logEveryMs = 10_000) {
  const failures = new Counter({
    name: 'shoebox_store_fallbacks_total',
    help: 'Operations served by the in-process fallback because a shared store failed, by store',
    labelNames: ['store'],
    registers: [registry],
  });
  let lastLogged = 0;
  return (error: unknown): void => {
    failures.inc({ store });
    if (Date.now() - lastLogged < logEveryMs) return;
    lastLogged = Date.now();
    logger.warn({ err: error, store }, `${store} failed; falling back to per-process limits until it answers again`);
  };
}
