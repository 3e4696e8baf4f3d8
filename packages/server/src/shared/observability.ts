import { type Logger, pino } from 'pino';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

const LOG_FLUSH_MS = 100;

/**
 * One JSON-lines logger per process (HTTP requests, stream workers and the CLI share it). Standard
 * output is written asynchronously and in batches: lines wait until 4 KiB have gathered or
 * LOG_FLUSH_MS has passed, so a busy server makes one system call per few dozen request lines
 * rather than one per line or two. pino flushes on exit; a process killed outright (SIGKILL) loses
 * at most its last LOG_FLUSH_MS of lines.
 */
export const createLogger = (level: LogLevel, destination?: NodeJS.WritableStream): Logger =>
  pino({ level }, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: LOG_FLUSH_MS }));

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
