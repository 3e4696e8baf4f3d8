import type { Kysely, Selectable } from 'kysely';
import type { Tables } from '../db/database.js';
import type { Change } from './change.js';
import type { StreamTables } from './tables.js';

/**
 * How a processor claims work for a consumer and records its progress: the engine-specific part
 * of the stream (DESIGN.md, invariant 5). A checkpoint "everything up to seq N is handled" is only
 * safe if no change with a seq at or below N can still commit after it was read. SQLite commits
 * one writer at a time, so there seq order is commit order (claims.sqlite.ts). In PostgreSQL a
 * sequence value taken inside a transaction can commit after a larger one; its implementation must
 * return only changes below every still-open writer (e.g. by transaction-id snapshot), or track
 * handled changes per row, so that it can never step over a late commit.
 */
export interface ChangeClaims {
  /**
   * Takes or renews the consumer's lease for `holder` until `until`, creating the consumer's
   * checkpoint at the start of the stream on first use. Only the holder reads and advances the
   * consumer, so two processes never work one consumer at once. False while another holder's
   * lease runs.
   */
  lease(consumer: string, holder: string, now: Date, until: Date): Promise<boolean>;
  /**
   * Whether a change may wait after the consumer's checkpoint (or it has none yet): a read that
   * takes no lease and writes nothing, so a processor with nothing to do leaves the disk alone.
   * It may say yes when `next` then hands out nothing (a PostgreSQL gap still open).
   */
  pending(consumer: string): Promise<boolean>;
  /** Gives the lease up (on shutdown) so another process can take over at once. */
  release(consumer: string, holder: string): Promise<void>;
  /** Up to `limit` changes after the consumer's checkpoint, in seq order, none of which a later commit can precede. */
  next(consumer: string, limit: number): Promise<Change[]>;
  /**
   * Moves the checkpoint to `through` inside `trx`, which also parks the batch's failures, so a
   * crash leaves either both or neither. False (and nothing moved) when `holder` lost the lease.
   */
  advance(trx: Kysely<Tables>, consumer: string, holder: string, through: number): Promise<boolean>;
}

/** A stored change row as the stream hands it out. */
export function toChange(row: Selectable<StreamTables['stream_changes']>): Change {
  return {
    seq: Number(row.seq),
    entity: row.entity,
    entityId: row.entity_id,
    ownerId: row.owner_id,
    op: row.op,
    version: Number(row.version),
    oldImage: row.old_image === null ? null : JSON.parse(row.old_image),
    newImage: row.new_image === null ? null : JSON.parse(row.new_image),
    createdAt: new Date(Number(row.created_at)),
  };
}
