import type { Writable } from 'node:stream';
import { scheduleBackups } from '../backup/schedule.js';
import type { Config } from '../config/config.js';
import { forkedMetrics } from '../http/cluster-metrics.js';
import { listeningUrl } from '../http/listening-url.js';
import { listenForMetrics, type MetricsListener } from '../http/metrics-listener.js';
import type { Clock } from '../shared/clock.js';
import { linkToPrimary } from '../shared/cluster-link.js';
import { createLogger, type Logger } from '../shared/observability.js';
import { adminTokenHash } from './admin-token.js';
import { type App, buildApp } from './app.js';
import { createFirstStartSecrets, type FirstStartSecrets, firstStartBanner, saveFirstStartSecrets } from './first-start.js';
import { publicUrlWarning } from './public-url-warning.js';
import { openShoebox, type Shoebox, startBackgroundWork } from './shoebox.js';

export interface RunningServer {
  readonly url: string;
  /** Where /metrics is served without the admin token, when SHOEBOX_METRICS_PORT is set. */
  readonly metricsUrl: string | undefined;
  readonly app: App;
  readonly shoebox: Shoebox;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then closes storage. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Where the first-start banner goes (stdout by default). */
  readonly out?: Writable;
  /** Where JSON log lines go (stdout by default). */
  readonly logStream?: Writable;
  /** Whether this process also runs the stream processor (default); `serve --no-worker` leaves it to `shoebox worker`. */
  readonly worker?: boolean;
  /**
   * This process is one of the HTTP processes `serve` forked (http-processes.ts): the primary
   * made the deployment, announces the start, runs the background work and keeps what they share.
   */
  readonly forked?: boolean;
  /** The time services judge expiry by (the system's by default; tests move one of their own). */
  readonly clock?: Clock;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const forked = options.forked ?? false;
  const shoebox = await openShoebox(config, createLogger(config.logLevel, options.logStream), {
    runs: 'serve',
    cluster: forked ? 'http' : undefined,
    clock: options.clock,
  });
  let app: App | undefined;
  let metrics: MetricsListener | undefined;
  try {
    // Read per request: a new deployment gets its admin token only once the server listens.
    let adminHash = adminTokenHash(config, shoebox.layout.secretsDir);
    // A forked process may start before its primary has made the token: it looks again until there is one.
    const currentAdminHash = forked ? () => (adminHash ??= adminTokenHash(config, shoebox.layout.secretsDir)) : () => adminHash;
    const metricsOfAll = forked ? forkedMetrics(linkToPrimary(), shoebox.registry) : undefined;
    app = await buildApp({ ...shoebox, adminTokenHash: currentAdminHash, metrics: metricsOfAll });
    await app.fastify.listen({ host: config.host, port: config.port });
    const url = listeningUrl(config.host, app.fastify.server);
    if (config.port === 0) shoebox.useListeningUrl(url);
    if (forked) {
      app.fastify.log.info({ url, pid: process.pid }, 'HTTP process listening');
      return running(url, undefined, app, shoebox, config, async () => {});
    }
    metrics =
      config.metricsPort === undefined ? undefined : await listenForMetrics(shoebox.registry, config.metricsHost, config.metricsPort);
    const created = await createFirstStartSecrets(shoebox, adminHash);
    adminHash = created.adminTokenHash;
    announceFirstStart(shoebox, created, config.port === 0 ? url : config.publicUrl, options.out);
    const worker = options.worker ?? true;
    if (worker) startBackgroundWork(shoebox);
    const backups = scheduleBackups(config, shoebox.registry, shoebox.logger);
    app.fastify.log.info({ url, docs: `${url}/docs`, metrics: metrics && `${metrics.url}/metrics`, worker }, 'Shoebox is listening');
    // Access tokens name the public URL as issuer: processes that derive it from their own port refuse each other's tokens.
    if (config.databaseUrl !== undefined && !config.publicUrlSet) {
      app.fastify.log.warn(
        { publicUrl: config.publicUrl },
        'SHOEBOX_PUBLIC_URL is not set, so access tokens from this process name its own address as issuer and other processes refuse them: set SHOEBOX_PUBLIC_URL to the URL devices use (the load balancer) on every process',
      );
    }
    warnIfUnreachable(config, url, shoebox.logger, options.out);
    const metricsListener = metrics;
    return running(url, metrics?.url, app, shoebox, config, async () => {
      await backups.stop();
      await metricsListener?.close();
    });
  } catch (error) {
    await metrics?.close();
    await app?.fastify.close();
    await shoebox.close();
    throw error;
  }
}

function running(
  url: string,
  metricsUrl: string | undefined,
  app: App,
  shoebox: Shoebox,
  config: Config,
  stopRest: () => Promise<void>,
): RunningServer {
  const { fastify } = app;
  return {
    url,
    metricsUrl,
    app,
    shoebox,
    async stop() {
      const finished = await withTimeout(fastify.close(), config.shutdownTimeoutMs);
      if (!finished) fastify.server.closeAllConnections();
      await stopRest();
      await shoebox.close();
    },
  };
}

/** Prints the first start's banner (the admin token and first API key, shown once) when this start made them. */
export function announceFirstStart(shoebox: Shoebox, created: FirstStartSecrets, url: string, out: Writable = process.stdout): void {
  if (!created.adminToken && !created.apiKey) return;
  const savedIn = saveFirstStartSecrets(shoebox.layout.secretsDir, created, shoebox.logger);
  out.write(firstStartBanner(url, created, savedIn, shoebox.config.demo));
}

/** Says so, in the log and to the operator, when devices cannot reach the configured public URL. */
export function warnIfUnreachable(config: Config, url: string, logger: Logger, out: Writable = process.stdout): void {
  const unreachable = publicUrlWarning(config, Number(new URL(url).port));
  if (!unreachable) return;
  logger.warn(unreachable.trim());
  out.write(`\n${unreachable}\n`);
}

/** Whether `work` finished within `ms`: shutdown must not hang on a request that never ends. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([work.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
  clearTimeout(timer);
  return finished;
}
