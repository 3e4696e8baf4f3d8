import type { Generated } from 'kysely';
import type { ChangeOp } from './change.js';

export interface StreamTables {
  /** The outbox: one row per committed write. */
  stream_changes: {
    seq: Generated<number>;
    entity: string;
    entity_id: string;
    owner_id: string;
    op: ChangeOp;
    version: number;
    old_image: string | null;
    new_image: string | null;
    created_at: number;
  };
  /** Per consumer: every change with seq <= position is handled or waiting in stream_retries. */
  stream_checkpoints: {
    consumer: string;
    position: number;
    /** The processor currently working for this consumer, and until when its lease runs. */
    lease_holder: string | null;
    lease_until: number | null;
    updated_at: number;
  };
  /** Changes that failed (or wait behind a failed change of the same entity) and will be tried again. */
  stream_retries: {
    consumer: string;
    seq: number;
    entity: string;
    entity_id: string;
    attempts: number;
    next_attempt_at: number;
    last_error: string | null;
  };
  /** Changes that failed every attempt; `shoebox stream retry` re-drives them. */
  stream_dead_letters: {
    consumer: string;
    seq: number;
    entity: string;
    entity_id: string;
    attempts: number;
    last_error: string;
    dead_at: number;
  };
  /** Processors working a partitioned consumer, each until its heartbeat lapses (stream/partitions.ts). */
  stream_members: {
    consumer: string;
    holder: string;
    until: number;
  };
  /** How far pruning went: every change with a seq up to `through` may be gone (one row, name 'stream'). */
  stream_pruned: {
    name: string;
    through: number;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends StreamTables {}
}
