import cluster from 'node:cluster';
import { Command } from 'commander';
import type { Config } from '../config/config.js';
import { startPrimary } from '../runtime/http-processes.js';
import { startServer } from '../runtime/server.js';
import { readConfig } from './config-command.js';
import { stopOnSignals } from './stop-on-signals.js';

export const serveCommand = () =>
  new Command('serve')
    .description('Run the Shoebox server: the HTTP API and the stream processor')
    .option('--no-worker', 'serve the API only; stream consumers run in `shoebox worker` processes')
    .addHelpText(
      'after',
      '\nSHOEBOX_HTTP_PROCESSES=auto serves the API from one process per core on the same port;\n' +
        'this process then runs the stream processor and the other background work beside them.',
    )
    .action(async (flags: { worker: boolean }) => {
      const config = readConfig();
      if (cluster.isWorker) {
        await serveForked(config);
      } else if (config.httpProcesses > 1) {
        const primary = await startPrimary(config, { worker: flags.worker });
        stopOnSignals(primary.logger, 'shutting down: finishing in-flight requests', () => primary.stop());
      } else {
        const server = await startServer(config, { worker: flags.worker });
        stopOnSignals(server.shoebox.logger, 'shutting down: finishing in-flight requests', () => server.stop());
      }
    });

/** One of the HTTP processes of a `serve` with SHOEBOX_HTTP_PROCESSES above 1. */
async function serveForked(config: Config): Promise<void> {
  const server = await startServer(config, { forked: true });
  const stop = stopOnSignals(server.shoebox.logger, 'shutting down: finishing in-flight requests', () => server.stop());
  // Its primary is gone (killed): nobody would replace it or stop it.
  process.on('disconnect', () => stop('disconnect'));
}
