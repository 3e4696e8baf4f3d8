import type { Database } from '../db/database.js';
import type { Change } from '../stream/change.js';
import type { StreamConsumer } from '../stream/consumer.js';
import { partitionName } from '../stream/partitions.js';
import type { ChangeSignal } from '../stream/signal.js';

/**
 * A consumer that does nothing with the changes it is handed: its checkpoint is what the change
 * feed and the realtime stream publish up to. The processor moves a checkpoint only past changes
 * no later commit can precede (stream/claims.ts), so a client's cursor below it never skips a
 * change that commits late, which reading `seq > cursor` straight from the outbox would on
 * PostgreSQL. Each move rings `doorbell`, which the realtime hubs of every process wait on.
 */
export class ChangePublication implements StreamConsumer {
  static readonly consumer = 'changes';
  readonly name = ChangePublication.consumer;
  readonly entities = ['note', 'photo'] as const;

  constructor(private readonly doorbell: ChangeSignal) {}

  advanced(): void {
    this.doorbell.notify();
  }

  async handle(_change: Change): Promise<void> {}

  async handleBatch(_changes: readonly Change[]): Promise<void> {}

  /** Reads the stream position up to which changes are published: 0 until every lane has a checkpoint. */
  static reader(database: Database, partitions: number): () => Promise<number> {
    const name = ChangePublication.consumer;
    const lanes = partitions === 1 ? [name] : Array.from({ length: partitions }, (_, i) => partitionName(name, i, partitions));
    return async () => {
      const rows = await database.db.selectFrom('stream_checkpoints').select('position').where('consumer', 'in', lanes).execute();
      return rows.length < lanes.length ? 0 : Math.min(...rows.map((row) => Number(row.position)));
    };
  }
}
