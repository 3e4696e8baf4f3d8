import { Command } from 'commander';
import { openShoebox } from '../runtime/shoebox.js';
import { readConfig } from './config-command.js';

/**
 * `shoebox worker`: the stream processor alone, for running processing apart from the API. It
 * hears no commits of other processes, so it polls every SHOEBOX_STREAM_POLL_MS.
 */
export const workerCommand = () =>
  new Command('worker').description('Run the change-stream processor alone (no HTTP), polling for new changes').action(async () => {
    const config = readConfig();
    const shoebox = await openShoebox(config);
    const { logger } = shoebox;
    shoebox.processor.start();
    logger.info(
      { consumers: shoebox.processor.consumerNames, pollMs: config.stream.pollMs },
      'Shoebox worker is processing the change stream',
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'worker stopping: finishing the current batch');
      shoebox.close().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'worker shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
