import type { Database } from '../db/database.js';
import type { Clock } from '../shared/clock.js';
import type { Change } from './change.js';
import type { StreamConsumer } from './consumer.js';

/**
 * A consumer's share of the stream that one lease and one checkpoint cover: the whole consumer,
 * or one of its partitions. Every change of a note (of an owner's entity id) falls in one
 * partition, so order per entity holds inside it, while the partitions are claimed, leased,
 * checkpointed and retried independently: several processors work one consumer side by side.
 * Each partition reads every change after its own checkpoint (passing others' by, as changes of
 * other entities pass a consumer by), so the claims' proof that no change is skipped
 * (claims.postgres.ts) holds for each unchanged.
 */
export interface Lane {
  /** Names the lane's checkpoint, lease, retries and dead letters: the consumer's own name when it is not partitioned. */
  readonly name: string;
  readonly consumer: StreamConsumer;
  /** Whether a change is this lane's to deliver. */
  takes(change: Change): boolean;
  /** Whether this processor should work the lane now (false: leave its lease to another processor). */
  isMine(): Promise<boolean>;
  /** Says this processor stops working the lane (shutdown), so others share it out at once. */
  leave(): Promise<void>;
}

export interface LaneOptions {
  readonly database: Database;
  /** Partitions per consumer; 1 keeps each consumer whole, as one lane named after it. */
  readonly partitions: number;
  /** The processor's lease holder id. */
  readonly holder: string;
  readonly leaseMs: number;
  /** When a member's membership ends. */
  readonly clock: Clock;
}

/** The lanes of every consumer, consumer by consumer. */
export function lanesOf(consumers: readonly StreamConsumer[], options: LaneOptions): Lane[] {
  return consumers.flatMap((consumer) => {
    const wanted = (change: Change) => consumer.entities.includes(change.entity);
    const { partitions } = options;
    if (partitions === 1) return [{ name: consumer.name, consumer, takes: wanted, isMine: async () => true, leave: async () => {} }];
    const share = new PartitionShare(options.database, consumer.name, options.holder, options.leaseMs, options.clock);
    return Array.from({ length: partitions }, (_, partition) => ({
      name: partitionName(consumer.name, partition, partitions),
      consumer,
      takes: (change: Change) => wanted(change) && partitionOf(change, partitions) === partition,
      isMine: () => share.owns(partition),
      leave: () => share.leave(),
    }));
  });
}

/** The checkpoint name of partition `partition` (from 0) of `partitions`: a new count starts new checkpoints. */
export const partitionName = (consumer: string, partition: number, partitions: number): string =>
  `${consumer}#${partition + 1}/${partitions}`;

/** Which partition a change belongs to: FNV-1a of its owner and entity id, the same in every process. */
export function partitionOf(change: Pick<Change, 'ownerId' | 'entityId'>, partitions: number): number {
  const key = `${change.ownerId}\u0000${change.entityId}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % partitions;
}

/**
 * Shares a consumer's partitions out among the processors working it. Each processor keeps a
 * heartbeat row in stream_members (renewed every third of a lease, lapsing after a lease) and
 * takes the partitions p with p mod (live members) = its rank among them by holder id. Views of
 * the membership may differ for a moment (a processor joining or dying): the partitions' leases
 * still let only one processor work each, and the old holder gives a partition up at its next
 * pass once it sees it is no longer its own.
 */
class PartitionShare {
  private members: readonly string[] = [];
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    private readonly consumer: string,
    private readonly holder: string,
    private readonly leaseMs: number,
    private readonly clock: Clock,
  ) {}

  async owns(partition: number): Promise<boolean> {
    if (this.clock.now() - this.refreshedAt >= this.leaseMs / 3) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    const rank = this.members.indexOf(this.holder);
    return rank >= 0 && partition % this.members.length === rank;
  }

  async leave(): Promise<void> {
    this.refreshedAt = Number.NEGATIVE_INFINITY;
    await this.database.db.deleteFrom('stream_members').where('consumer', '=', this.consumer).where('holder', '=', this.holder).execute();
  }

  private async refresh(): Promise<void> {
    const now = this.clock.now();
    const db = this.database.db;
    const until = now + this.leaseMs;
    await db
      .insertInto('stream_members')
      .values({ consumer: this.consumer, holder: this.holder, until })
      .onConflict((oc) => oc.columns(['consumer', 'holder']).doUpdateSet({ until }))
      .execute();
    // A member that died leaves its row behind: whoever comes next clears it.
    await db.deleteFrom('stream_members').where('consumer', '=', this.consumer).where('until', '<', now).execute();
    const rows = await db.selectFrom('stream_members').select('holder').where('consumer', '=', this.consumer).orderBy('holder').execute();
    this.members = rows.map((row) => row.holder);
    this.refreshedAt = now;
  }
}
