import type { Logger } from '../shared/observability.js';

/**
 * Stops gracefully on SIGTERM or SIGINT (saying `what` it finishes first), then exits: 0 once
 * stopped, 1 when stopping failed. Answers the stop, for other reasons to stop.
 */
export function stopOnSignals(logger: Logger, what: string, stopAll: () => Promise<void>): (reason: string) => void {
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: reason }, what);
    stopAll().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return stop;
}
