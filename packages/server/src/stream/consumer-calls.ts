import type { Change } from './change.js';
import type { StreamConsumer } from './consumer.js';

/** The slice of a pino logger the processor uses. */
export interface StreamLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface ConsumerCounters {
  processed: number;
  failed: number;
  deadLettered: number;
}

/**
 * Calls into consumers, counting and logging what comes of each call (for /metrics and the log);
 * the processor decides what a failure means for the stream.
 */
export class ConsumerCalls {
  private readonly counters = new Map<string, ConsumerCounters>();

  constructor(private readonly log: StreamLog) {}

  /** What this process has done for a consumer since it started. */
  countersOf(consumer: string): ConsumerCounters {
    let counters = this.counters.get(consumer);
    if (!counters) {
      counters = { processed: 0, failed: 0, deadLettered: 0 };
      this.counters.set(consumer, counters);
    }
    return counters;
  }

  /** Hands a run of changes to a consumer that takes them at once; false when it cannot or failed (the changes go one by one then). */
  async batch(consumer: StreamConsumer, changes: readonly Change[]): Promise<boolean> {
    if (!consumer.handleBatch || changes.length < 2) return false;
    try {
      await consumer.handleBatch(changes);
      this.countersOf(consumer.name).processed += changes.length;
      return true;
    } catch (error) {
      this.log.warn(
        { consumer: consumer.name, from: changes[0]?.seq, to: changes.at(-1)?.seq, error: messageOf(error) },
        'batch failed; handling its changes one by one',
      );
      return false;
    }
  }

  /** Hands one change to a consumer; returns the error message when it failed. */
  async one(consumer: StreamConsumer, change: Change, attempt: number): Promise<string | undefined> {
    const counters = this.countersOf(consumer.name);
    try {
      await consumer.handle(change);
      counters.processed++;
      return undefined;
    } catch (error) {
      counters.failed++;
      const message = messageOf(error);
      this.log.warn(
        { consumer: consumer.name, seq: change.seq, entity: change.entity, entityId: change.entityId, attempt, error: message },
        'consumer failed on a change; it will be retried',
      );
      return message;
    }
  }

  /** Counts and logs a change that went to the dead-letter table, then tells its consumer (see StreamConsumer.deadLettered). */
  async deadLettered(consumer: StreamConsumer, change: Change, attempts: number, error: string): Promise<void> {
    this.countersOf(consumer.name).deadLettered++;
    this.log.error(
      { consumer: consumer.name, seq: change.seq, entity: change.entity, entityId: change.entityId, attempts },
      'change moved to the dead-letter table; re-drive it with `shoebox stream retry`',
    );
    try {
      await consumer.deadLettered?.(change, error);
    } catch (hookError) {
      this.log.error(
        { consumer: consumer.name, seq: change.seq, entity: change.entity, entityId: change.entityId, error: messageOf(hookError) },
        'consumer failed to record a dead letter of its own; the dead letter stays',
      );
    }
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
