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
  /** A transaction id assigned after that read: every id assigned before the read is below it. */
  readonly bound: bigint;
}

type Row = Selectable<StreamTables['stream_changes']> & { checkpoint: number; xmin: string };

/**
 * PostgreSQL: seqs are handed out in order (nextval, cache 1) but commit in any order, so when
 * seq 7 is visible seq 6 may still be on its way. `next` therefore hands out changes in seq order
 * only while the seqs run without a gap; at a gap it stops, unless it can prove that the missing
 * seqs will never appear (their transactions rolled back, or a crash lost them).
 *
 * The proof. Every writer takes its transaction id before its seq (stream_next_seq(), migration
 * 007). Say a read whose snapshot is S0 sees seq `below` but not seq g < below. nextval handed
 * out g before `below`, and `below` committed before S0, so g's transaction had its id before S0
 * was taken. A transaction id B assigned after that read (pg_current_xact_id() in a statement of
 * its own) is therefore above g's. Once a later read's snapshot S1 has xmin(S1) > B, every
 * transaction with an id up to B has ended before S1; had g's committed, S1 would show it. So a
 * gap still missing from S1 is empty for good, and the read steps over it. The seqs and xmin come
 * from one statement, hence one snapshot.
 *
 * Not xmax(S0) in place of B: a snapshot's xmax is one past the newest transaction that had
 * *ended*, so a transaction that took its id after `below`'s and its seq before it (g) can have an
 * id at or above xmax(S0) while it runs, and a snapshot leaves such ids out of its xmin. Bounding
 * by xmax stepped over such gaps under concurrent writers, and their changes were never delivered.
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
      select c.*, k.position as checkpoint, pg_snapshot_xmin(pg_current_snapshot())::text as xmin
      from stream_checkpoints k
      cross join lateral (select * from stream_changes where seq > k.position order by seq limit ${limit}) c
      where k.consumer = ${consumer}
      order by c.seq`.execute(this.database.db);
    const first = rows[0];
    if (!first) return [];
    const xmin = BigInt(first.xmin);
    const changes: Change[] = [];
    let expected = Number(first.checkpoint) + 1;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq > expected && !(await this.gapIsEmpty(consumer, { from: expected, below: seq }, xmin))) break;
      changes.push(toChange(row));
      expected = seq + 1;
    }
    return changes;
  }

  /**
   * Whether the gap [gap.from, gap.below) can no longer fill, by the proof above. A gap seen for
   * the first time takes its bound now (one statement more, once per gap) and stays closed for
   * this read: most gaps fill with their commit before the next.
   */
  private async gapIsEmpty(consumer: string, gap: Omit<Gap, 'bound'>, xmin: bigint): Promise<boolean> {
    const seen = this.gaps.get(consumer);
    // A gap seen before, when a seq at or above this one's upper end was already visible.
    if (seen && seen.from === gap.from && gap.below <= seen.below) return xmin > seen.bound;
    const { rows } = await sql<{ bound: string }>`select pg_current_xact_id()::text as bound`.execute(this.database.db);
    this.gaps.set(consumer, { ...gap, bound: BigInt(rows[0]?.bound ?? '0') });
    return false;
  }
}
