import type { Writable } from 'node:stream';
import { scheduleBackups } from '../backup/schedule.js';
import type { Config } from '../config/config.js';
import { listeningUrl } from '../http/listening-url.js';
import { listenForMetrics, type MetricsListener } from '../http/metrics-listener.js';
import type { Clock } from '../shared/clock.js';
import { createLogger } from '../shared/observability.js';
import { adminTokenHash } from './admin-token.js';
import { type App, buildApp } from './app.js';
import { createFirstStartSecrets, firstStartBanner, saveFirstStartSecrets } from './first-start.js';
import { publicUrlWarning } from './public-url-warning.js';
import { openShoebox, type Shoebox } from './shoebox.js';

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
  /** The time services judge expiry by (the system's by default; tests move one of their own). */
  readonly clock?: Clock;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const shoebox = await openShoebox(config, createLogger(config.logLevel, options.logStream), { runs: 'serve', clock: options.clock });
  let app: App | undefined;
  let metrics: MetricsListener | undefined;
  try {
    // Read per request: a new deployment gets its admin token only once the server listens.
    let adminHash = adminTokenHash(config, shoebox.layout.secretsDir);
    app = await buildApp({ ...shoebox, adminTokenHash: () => adminHash });
    await app.fastify.listen({ host: config.host, port: config.port });
    const url = listeningUrl(config.host, app.fastify.server);
    metrics =
      config.metricsPort === undefined ? undefined : await listenForMetrics(shoebox.registry, config.metricsHost, config.metricsPort);
    if (config.port === 0) shoebox.useListeningUrl(url);
    const created = await createFirstStartSecrets(shoebox, adminHash);
    adminHash = created.adminTokenHash;
    if (created.adminToken || created.apiKey) {
      const savedIn = saveFirstStartSecrets(shoebox.layout.secretsDir, created, shoebox.logger);
      (options.out ?? process.stdout).write(firstStartBanner(config.port === 0 ? url : config.publicUrl, created, savedIn, config.demo));
    }
    const worker = options.worker ?? true;
    if (worker) {
      shoebox.processor.start();
      shoebox.mailSender.start();
      shoebox.guestReaper.start();
      shoebox.webhooks.dispatcher.start();
    }
    const backups = scheduleBackups(config, shoebox.registry, shoebox.logger);
    app.fastify.log.info({ url, docs: `${url}/docs`, metrics: metrics && `${metrics.url}/metrics`, worker }, 'Shoebox is listening');
    // Access tokens name the public URL as issuer: processes that derive it from their own port refuse each other's tokens.
    if (config.databaseUrl !== undefined && !config.publicUrlSet) {
      app.fastify.log.warn(
        { publicUrl: config.publicUrl },
        'SHOEBOX_PUBLIC_URL is not set, so access tokens from this process name its own address as issuer and other processes refuse them: set SHOEBOX_PUBLIC_URL to the URL devices use (the load balancer) on every process',
      );
    }
    const unreachable = publicUrlWarning(config, Number(new URL(url).port));
    if (unreachable) {
      app.fastify.log.warn(unreachable.trim());
      (options.out ?? process.stdout).write(`\n${unreachable}\n`);
    }
    const { fastify } = app;
    const metricsListener = metrics;
    return {
      url,
      metricsUrl: metrics?.url,
      app,
      shoebox,
      async stop() {
        const finished = await withTimeout(fastify.close(), config.shutdownTimeoutMs);
        if (!finished) fastify.server.closeAllConnections();
        await backups.stop();
        await metricsListener?.close();
        await shoebox.close();
      },
    };
  } catch (error) {
    await metrics?.close();
    await app?.fastify.close();
    await shoebox.close();
    throw error;
  }
}

/** Whether `work` finished within `ms`: shutdown must not hang on a request that never ends. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([work.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
  clearTimeout(timer);
  return finished;
}
