import { Command } from 'commander';
import { startServer } from '../runtime/server.js';
import { readConfig } from './config-command.js';

export const serveCommand = () =>
  new Command('serve')
    .description('Run the Shoebox server: the HTTP API and the stream processor')
    .option('--no-worker', 'serve the API only; stream consumers run in `shoebox worker` processes')
    .action(async (flags: { worker: boolean }) => {
      const server = await startServer(readConfig(), { worker: flags.worker });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.app.fastify.log.info({ signal }, 'shutting down: finishing in-flight requests');
        server.stop().then(
          () => process.exit(0),
          (error) => {
            server.app.fastify.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
