import type { Change } from './change.js';

/**
 * Something that reacts to changes: the search indexer, the photo processor, … Consumers are
 * registered as a list in runtime/shoebox.ts; each has its own checkpoint, retries and dead letters.
 *
 * Delivery is at least once and in order per entity id (changes of different entities may be
 * handled in any order relative to each other). `handle` must therefore be idempotent, and should
 * tolerate seeing an older change after a newer one of the same entity when a dead letter is re-driven
 * (compare `version`). Throwing means "not handled": the change is retried with backoff, later
 * changes of the same entity wait behind it, and after the configured number of attempts it is
 * parked in the dead-letter table.
 */
export interface StreamConsumer {
  /** Stable name: keys the checkpoint, so renaming a consumer replays the retained stream to it. */
  readonly name: string;
  /** The entities it wants, e.g. ['note']; changes of other entities pass it by. */
  readonly entities: readonly string[];
  handle(change: Change): Promise<void>;
  /**
   * Optional, for throughput: handles several changes at once, in seq order per entity (for an
   * index: one transaction instead of one per change; for photos: several side by side). The
   * processor only passes changes that wait behind no failure. When it throws, the processor hands
   * the same changes to `handle` one by one, so a poison change is still isolated and retried on
   * its own; changes the batch did apply come again then, which `handle` takes as repeats.
   */
  handleBatch?(changes: readonly Change[]): Promise<void>;
  /**
   * Optional: the most changes `handleBatch` is given at once. The processor notes progress (and
   * finds out about a lost lease) between batches, so a consumer whose changes each take long
   * keeps its batches short.
   */
  readonly batchLimit?: number;
  /**
   * Optional: told once a change has gone to the dead-letter table (after its last attempt), with
   * the last error, so the consumer can say so where its users look (a photo becomes `failed`).
   * Called after the dead letter is stored; should it throw, the failure is logged and the dead
   * letter stays. A re-driven change that then succeeds comes to `handle` again.
   */
  deadLettered?(change: Change, reason: string): Promise<void>;
  /** Optional: told each time its checkpoint has committed further, for consumers whose readers watch the checkpoint. */
  advanced?(): void;
}
