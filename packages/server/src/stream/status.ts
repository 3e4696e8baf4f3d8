import type { Database } from '../db/database.js';

export interface ConsumerStatus {
  readonly consumer: string;
  /** Every change up to this seq is handled or waiting for a retry. */
  readonly position: number;
  /** The newest seq in the stream. */
  readonly head: number;
  /** Changes after the position, not yet looked at. */
  readonly lagChanges: number;
  /** Age of the oldest change not yet looked at; 0 when caught up. */
  readonly lagSeconds: number;
  /** Changes waiting for another attempt. */
  readonly retrying: number;
  readonly deadLetters: number;
  /** The processor working for this consumer now, if its lease runs. */
  readonly leaseHolder: string | null;
}

/** Where each consumer stands: for `shoebox stream status`, /metrics and tests waiting for catch-up. */
export async function streamStatus(database: Database, consumers: readonly string[], now = new Date()): Promise<ConsumerStatus[]> {
  const db = database.db;
  const head = await db
    .selectFrom('stream_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  const headSeq = Number(head?.seq ?? 0);
  return Promise.all(
    consumers.map(async (consumer) => {
      const checkpoint = await db.selectFrom('stream_checkpoints').selectAll().where('consumer', '=', consumer).executeTakeFirst();
      const position = Number(checkpoint?.position ?? 0);
      const [pending, oldest, retrying, dead] = await Promise.all([
        db
          .selectFrom('stream_changes')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('seq', '>', position)
          .executeTakeFirstOrThrow(),
        db.selectFrom('stream_changes').select('created_at').where('seq', '>', position).orderBy('seq').limit(1).executeTakeFirst(),
        db
          .selectFrom('stream_retries')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('consumer', '=', consumer)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('stream_dead_letters')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('consumer', '=', consumer)
          .executeTakeFirstOrThrow(),
      ]);
      const leaseRuns = checkpoint?.lease_until != null && Number(checkpoint.lease_until) >= now.getTime();
      return {
        consumer,
        position,
        head: headSeq,
        lagChanges: Number(pending.n),
        lagSeconds: oldest ? Math.max(0, (now.getTime() - Number(oldest.created_at)) / 1000) : 0,
        retrying: Number(retrying.n),
        deadLetters: Number(dead.n),
        leaseHolder: leaseRuns ? (checkpoint?.lease_holder ?? null) : null,
      };
    }),
  );
}

const PRUNE_CHUNK = 2000;

/**
 * Deletes changes that every consumer has passed and that are older than `olderThan`, except those
 * still waiting for a retry or parked as dead letters. Walks the stream from its oldest change by
 * seq (the primary key; seq order is close enough to time order) in chunks, so no query scans the
 * whole outbox and the write lock is held briefly. A consumer without a checkpoint yet has passed
 * nothing, which keeps everything.
 */
export async function pruneStream(database: Database, consumers: readonly string[], olderThan: Date): Promise<number> {
  const db = database.db;
  if (consumers.length === 0) return 0;
  const checkpoints = await db.selectFrom('stream_checkpoints').select('position').where('consumer', 'in', consumers).execute();
  if (checkpoints.length < consumers.length) return 0;
  const passed = Math.min(...checkpoints.map((c) => Number(c.position)));
  let deleted = 0;
  let from = 0;
  for (;;) {
    const oldest = await db
      .selectFrom('stream_changes')
      .select(['seq', 'created_at'])
      .where('seq', '>', from)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (!oldest || Number(oldest.seq) > passed || Number(oldest.created_at) >= olderThan.getTime()) return deleted;
    const upTo = Math.min(passed, Number(oldest.seq) + PRUNE_CHUNK);
    const result = await db
      .deleteFrom('stream_changes')
      .where('seq', '>', from)
      .where('seq', '<=', upTo)
      .where('created_at', '<', olderThan.getTime())
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('stream_retries').select('stream_retries.seq').whereRef('stream_retries.seq', '=', 'stream_changes.seq'))),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('stream_dead_letters')
              .select('stream_dead_letters.seq')
              .whereRef('stream_dead_letters.seq', '=', 'stream_changes.seq'),
          ),
        ),
      )
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
    if (Number(result.numDeletedRows) > 0) await markPruned(database, upTo);
    from = upTo;
  }
}

/** Records that changes up to `through` may be gone, so a change feed cursor below it is refused (never moves back). */
async function markPruned(database: Database, through: number): Promise<void> {
  await database.db
    .insertInto('stream_pruned')
    .values({ name: 'stream', through })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ through: (eb) => eb.ref('excluded.through') })
        .whereRef('stream_pruned.through', '<', 'excluded.through'),
    )
    .execute();
}
