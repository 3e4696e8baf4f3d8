import { Command } from 'commander';
import { openShoebox, startBackgroundWork } from '../runtime/shoebox.js';
import { createLogger } from '../shared/observability.js';
import { readConfig } from './config-command.js';
import { stopOnSignals } from './stop-on-signals.js';

/**
 * `shoebox worker`: the stream processor alone, for running processing apart from the API (with
 * `shoebox serve --no-worker`). Any number may run: each consumer is worked by one at a time, and
 * another takes it over when that one's lease lapses. On PostgreSQL a worker is woken by the
 * NOTIFY of other processes' writes; on SQLite it hears no other process and polls every
 * SHOEBOX_STREAM_POLL_MS.
 */
export const workerCommand = () =>
  new Command('worker').description('Run the change-stream processor alone (no HTTP); start as many as you like').action(async () => {
    const config = readConfig();
    const shoebox = await openShoebox(config, createLogger(config.logLevel), { runs: 'worker' });
    const { logger } = shoebox;
    startBackgroundWork(shoebox);
    logger.info(
      { consumers: shoebox.processor.laneNames, holder: shoebox.processor.holder, pollMs: config.stream.pollMs },
      'Shoebox worker is processing the change stream',
    );
    stopOnSignals(logger, 'worker stopping: finishing the current batch', () => shoebox.close());
  });
