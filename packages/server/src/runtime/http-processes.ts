import cluster, { type Worker } from 'node:cluster';
import type { Writable } from 'node:stream';
import { scheduleBackups } from '../backup/schedule.js';
import type { Config } from '../config/config.js';
import { primaryMetrics } from '../http/cluster-metrics.js';
import { urlOf } from '../http/listening-url.js';
import { listenForMetrics, type MetricsListener } from '../http/metrics-listener.js';
import { linkToWorkers } from '../shared/cluster-link.js';
import { createLogger, type Logger } from '../shared/observability.js';
import { adminTokenHash } from './admin-token.js';
import { createFirstStartSecrets } from './first-start.js';
import { announceFirstStart, warnIfUnreachable } from './server.js';
import { openShoebox, startBackgroundWork } from './shoebox.js';

export interface Primary {
  readonly url: string;
  readonly logger: Logger;
  /** Stops the HTTP processes (each finishes its requests), then the background work. */
  stop(): Promise<void>;
}

export interface PrimaryOptions {
  /** Whether the primary also runs the stream processor and the other background work (`serve` without --no-worker). */
  readonly worker: boolean;
  readonly out?: Writable;
  readonly logStream?: Writable;
}

/** More crashes than this within CRASH_WINDOW_MS stop the server instead of forking again. */
const CRASHES_TOLERATED = 5;
const CRASH_WINDOW_MS = 60_000;

/**
 * `serve` with SHOEBOX_HTTP_PROCESSES above 1, in the primary process. The HTTP API runs in that
 * many forked processes sharing the port (node:cluster hands connections out in turn), so every
 * core serves requests; better-sqlite3 is synchronous, so one process can use one core at most.
 * The primary serves no request: it makes the deployment, runs the stream processor (indexing,
 * photo processing), mail, webhooks and backups off the request path, and keeps what the HTTP
 * processes must share when there is no Redis: token buckets, throttles and the embedded engine's
 * doorbells (runtime/storage.ts). An HTTP process that dies is replaced.
 */
export async function startPrimary(config: Config, options: PrimaryOptions): Promise<Primary> {
  const logger = createLogger(config.logLevel, options.logStream);
  const shoebox = await openShoebox(config, logger, { runs: 'serve', cluster: 'primary' });
  let stopping = false;
  let metrics: MetricsListener | undefined;
  try {
    const url = await forkHttpProcesses(config, logger, () => stopping);
    if (config.port === 0) shoebox.useListeningUrl(url);
    announceFirstStart(
      shoebox,
      await createFirstStartSecrets(shoebox, adminTokenHash(config, shoebox.layout.secretsDir)),
      config.port === 0 ? url : config.publicUrl,
      options.out,
    );
    // Off the request path.
    if (options.worker) startBackgroundWork(shoebox);
    const backups = scheduleBackups(config, shoebox.registry, logger);
    const metricsOfAll = primaryMetrics(linkToWorkers(), shoebox.registry);
    metrics = config.metricsPort === undefined ? undefined : await listenForMetrics(metricsOfAll, config.metricsHost, config.metricsPort);
    logger.info(
      {
        url,
        docs: `${url}/docs`,
        metrics: metrics && `${metrics.url}/metrics`,
        httpProcesses: config.httpProcesses,
        worker: options.worker,
      },
      'Shoebox is listening',
    );
    warnIfUnreachable(config, url, logger, options.out);
    return {
      url,
      logger,
      async stop() {
        stopping = true;
        await stopHttpProcesses(config.shutdownTimeoutMs);
        await backups.stop();
        await metrics?.close();
        await shoebox.close();
      },
    };
  } catch (error) {
    stopping = true;
    await stopHttpProcesses(config.shutdownTimeoutMs);
    await metrics?.close();
    await shoebox.close();
    throw error;
  }
}

/** Forks the HTTP processes; answers the URL they listen on once one does, or fails when one cannot start. */
function forkHttpProcesses(config: Config, logger: Logger, stopping: () => boolean): Promise<string> {
  const crashes: number[] = [];
  return new Promise((resolve, reject) => {
    let listening = false;
    cluster.on('listening', (_worker, address) => {
      if (listening) return;
      listening = true;
      resolve(urlOf(config.host, address.port));
    });
    cluster.on('exit', (worker: Worker, code, signal) => {
      if (stopping()) return;
      if (!listening) {
        reject(new Error(`an HTTP process could not start (exit code ${code ?? signal}); its log says why`));
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && (crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
      if (crashes.length > CRASHES_TOLERATED) {
        logger.fatal({ crashes: crashes.length }, 'HTTP processes keep crashing: stopping the server');
        process.kill(process.pid, 'SIGTERM');
        return;
      }
      logger.error({ pid: worker.process.pid, code, signal }, 'an HTTP process ended unexpectedly: starting another');
      cluster.fork();
    });
    for (let i = 0; i < config.httpProcesses; i++) cluster.fork();
  });
}

/** Asks every HTTP process to stop (each lets its requests finish) and waits for them, killing those that overrun. */
async function stopHttpProcesses(timeoutMs: number): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          const overrun = setTimeout(() => worker.process.kill('SIGKILL'), timeoutMs + 5_000);
          worker.once('exit', () => {
            clearTimeout(overrun);
            resolve();
          });
          worker.process.kill('SIGTERM');
        }),
    ),
  );
}
