import { type Selectable, sql } from 'kysely';
import type { Change } from './change.js';
import { CheckpointLeases } from './checkpoints.js';
import { type ChangeClaims, toChange } from './claims.js';
import type { StreamTables } from './tables.js';

/** A gap in the seqs after a checkpoint, as first seen. */
interface Gap {
  /** The first missing seq (checkpoint + 1). */
  readonly from: number;
  /** A seq that was visible, above the gap, when the gap was seen. */
  readonly below: number;
  /** Snapshot xmax of that read: every transaction id assigned before it is below this. */
  readonly xmax: bigint;
}

type Row = Selectable<StreamTables['stream_changes']> & { checkpoint: number; xmin: string; xmax: string };

/**
 * PostgreSQL: seqs are handed out in order (nextval, cache 1) but commit in any order, so when
 * seq 7 is visible seq 6 may still be on its way. `next` therefore hands out changes in seq order
 * only while the seqs run without a gap; at a gap it stops, unless it can prove that the missing
 * seqs will never appear (their transactions rolled back, or a crash lost them).
 *
 * The proof. Every writer takes its transaction id before its seq (stream_next_seq(), migration
 * 006). Say a read whose snapshot is S0 sees seq `below` but not seq g < below. nextval handed
 * out g before `below`, and `below` committed before S0, so g's transaction had its id before S0
 * was taken: that id is below xmax(S0). Once a later read's snapshot S1 has xmin(S1) >= xmax(S0),
 * every transaction with an id below xmax(S0) has ended before S1; had g's committed, S1 would
 * show it. So a gap still missing from S1 is empty for good, and the read steps over it. The seqs
 * and the snapshot bounds come from one statement, hence one snapshot.
 *
 * The changes are read in a lateral subquery so the checkpoint bounds the index scan: a plain join
 * on `seq > position` is planned as a scan from the oldest retained change, filtered row by row.
 *
 * A gap of a transaction still running stays closed until it commits (and its rows are then
 * delivered in seq order) or ends; the processor is woken by the commit's NOTIFY or its poll. A
 * gap left by a rollback waits until the transactions that ran beside it have ended.
 */
export class PostgresChangeClaims extends CheckpointLeases implements ChangeClaims {
  /** Per consumer, the gap the last read stopped at: only a hint (a fresh process finds it again). */
  private readonly gaps = new Map<string, Gap>();

  async next(consumer: string, limit: number): Promise<Change[]> {
    const { rows } = await sql<Row>`
      select c.*, k.position as checkpoint,
        pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
        pg_snapshot_xmax(pg_current_snapshot())::text as xmax
      from stream_checkpoints k
      cross join lateral (select * from stream_changes where seq > k.position order by seq limit ${limit}) c
      where k.consumer = ${consumer}
      order by c.seq`.execute(this.database.db);
    const first = rows[0];
    if (!first) return [];
    const snapshot = { xmin: BigInt(first.xmin), xmax: BigInt(first.xmax) };
    const changes: Change[] = [];
    let expected = Number(first.checkpoint) + 1;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq > expected && !this.gapIsEmpty(consumer, { from: expected, below: seq, xmax: snapshot.xmax }, snapshot.xmin)) break;
      changes.push(toChange(row));
      expected = seq + 1;
    }
    return changes;
  }

  /** Whether the gap [gap.from, gap.below) can no longer fill, by the proof above. */
  private gapIsEmpty(consumer: string, gap: Gap, xmin: bigint): boolean {
    const seen = this.gaps.get(consumer);
    // A gap seen before, when a seq at or above this one's upper end was already visible.
    if (seen && seen.from === gap.from && gap.below <= seen.below && xmin >= seen.xmax) return true;
    if (!seen || seen.from !== gap.from) this.gaps.set(consumer, gap);
    // Nothing was running during this very read.
    return xmin >= gap.xmax;
  }
}
