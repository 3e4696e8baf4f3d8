import type { Database } from '../db/database.js';
import type { Change } from '../stream/change.js';
import type { StreamConsumer } from '../stream/consumer.js';
import { type NewChange, recordChange } from '../stream/outbox.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writers of change records whose transactions overlap (invariant 5, DESIGN.md): each of
 * `writers` records `steps` changes one after the other, holding each transaction, and so its
 * seq, for `holdMs(writer, step)` while other writers take later seqs and commit, and rolls one
 * in seven back. Answers, per writer, the versions it committed (1, 2, … over the rolled-back ones).
 */
export async function writeOverlapping(
  database: Database,
  options: {
    readonly writers: number;
    readonly steps: number;
    readonly holdMs: (writer: number, step: number) => number;
    readonly change: (writer: number, version: number) => NewChange;
  },
): Promise<number[][]> {
  return Promise.all(
    Array.from({ length: options.writers }, async (_, w) => {
      const committed: number[] = [];
      for (let step = 0; step < options.steps; step++) {
        const next = committed.length + 1;
        const rollBack = (w + step) % 7 === 3;
        await database.db
          .transaction()
          .execute(async (trx) => {
            await recordChange(trx, options.change(w, next));
            await sleep(options.holdMs(w, step));
            if (rollBack) throw new Error('rolled back on purpose');
          })
          .catch((error: Error) => {
            if (error.message !== 'rolled back on purpose') throw error;
          });
        if (!rollBack) committed.push(next);
      }
      return committed;
    }),
  );
}

/** A consumer of 'thing' changes that keeps what it is handed, in order. */
export class RecordingConsumer implements StreamConsumer {
  readonly name = 'recorder';
  readonly entities = ['thing'];
  readonly seen: Change[] = [];
  async handle(change: Change): Promise<void> {
    this.seen.push(change);
  }
}
