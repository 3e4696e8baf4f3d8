import { Command } from 'commander';
import { pino } from 'pino';
import { openShoebox } from '../runtime/shoebox.js';
import { readConfig } from './config-command.js';

/**
 * `shoebox worker`: the stream processor alone, for running processing apart from the API. It
 * hears no commits of other processes, so it polls every SHOEBOX_STREAM_POLL_MS.
 */
export const workerCommand = () =>
  new Command('worker').description('Run the change-stream processor alone (no HTTP), polling for new changes').action(async () => {
    const config = readConfig();
    const log = pino({ level: config.logLevel });
    const shoebox = await openShoebox(config);
    shoebox.processor.start(log.child({ component: 'stream' }));
    log.info(
      { consumers: shoebox.processor.consumerNames, pollMs: config.stream.pollMs },
      'Shoebox worker is processing the change stream',
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'worker stopping: finishing the current batch');
      shoebox.close().then(
        () => process.exit(0),
        (error) => {
          log.error({ err: error }, 'worker shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
