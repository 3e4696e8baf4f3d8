import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { Change } from './change.js';
import type { ChangeSignal } from './signal.js';

/**
 * Appends a change to the stream. Call it inside the transaction that makes the write, so the
 * write and its change commit (or roll back) together: exactly one change per committed write.
 */
export async function recordChange(trx: Kysely<Tables>, change: NewChange): Promise<void> {
  await trx.insertInto('stream_changes').values(changeRow(change)).execute();
}

/** A change as a writer hands it to the stream: the stream picks its seq and time. */
export type NewChange = Omit<Change, 'seq' | 'createdAt'>;

/** The stream_changes row of a change, as recorded now. */
export function changeRow(change: NewChange) {
  return {
    entity: change.entity,
    entity_id: change.entityId,
    owner_id: change.ownerId,
    op: change.op,
    version: change.version,
    old_image: change.oldImage === null ? null : JSON.stringify(change.oldImage),
    new_image: change.newImage === null ? null : JSON.stringify(change.newImage),
    created_at: Date.now(),
  };
}

/** Appends changes in their order, a few hundred per statement (a batch of writes); same contract as recordChange. */
export async function recordChanges(trx: Kysely<Tables>, changes: readonly NewChange[]): Promise<void> {
  for (let i = 0; i < changes.length; i += CHANGES_PER_STATEMENT) {
    await trx
      .insertInto('stream_changes')
      .values(changes.slice(i, i + CHANGES_PER_STATEMENT).map(changeRow))
      .execute();
  }
}

/** Under the bound on bound parameters of SQLite (32,766) and PostgreSQL (65,535), at 8 per change. */
const CHANGES_PER_STATEMENT = 500;

const REWRITE_CHUNK = 500;

type Image = Record<string, unknown>;

/**
 * Rewrites the images of every change recorded for one owner's entities of one kind, inside the
 * caller's transaction: for what must not outlive its owner, such as a deleted identity's words.
 * The rows stay, with their seq, op and version, so consumers still get every change in order
 * (each consumer must accept the rewritten images) and retries and dead letters keep pointing at
 * them. Walks the owner's changes by seq, a chunk at a time, along the stream_changes_owner index;
 * rows the rewrite leaves as they are are not written. Idempotent when `rewrite` is.
 */
export async function rewriteImages(
  trx: Kysely<Tables>,
  of: { entity: string; ownerId: string },
  rewrite: (image: Image) => Image,
): Promise<void> {
  const rewritten = (image: string | null) => (image === null ? null : JSON.stringify(rewrite(JSON.parse(image))));
  let after = 0;
  for (;;) {
    const rows = await trx
      .selectFrom('stream_changes')
      .select(['seq', 'old_image', 'new_image'])
      .where('owner_id', '=', of.ownerId)
      .where('entity', '=', of.entity)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(REWRITE_CHUNK)
      .execute();
    const last = rows.at(-1);
    if (!last) return;
    for (const row of rows) {
      const images = { old_image: rewritten(row.old_image), new_image: rewritten(row.new_image) };
      if (images.old_image === row.old_image && images.new_image === row.new_image) continue;
      await trx.updateTable('stream_changes').set(images).where('seq', '=', row.seq).execute();
    }
    after = Number(last.seq);
  }
}

/**
 * Runs a writing transaction and, once it has ended, rings the processors' doorbell so a change is
 * handled at once instead of at the next poll. A rollback rings too: where seqs can commit out of
 * order (PostgreSQL), a processor may be waiting on the seq this transaction held.
 */
export class Outbox {
  constructor(
    private readonly database: Database,
    private readonly signal: ChangeSignal,
  ) {}

  async write<T>(work: (trx: Kysely<Tables>) => Promise<T>): Promise<T> {
    return this.ringAfter(() => this.database.write(work));
  }

  /**
   * For a write and its change made by one statement, which is atomic by itself: runs it without
   * BEGIN and COMMIT (two round trips fewer on PostgreSQL), then rings as `write` does.
   */
  async writeOne<T>(statement: () => Promise<T>): Promise<T> {
    return this.ringAfter(statement);
  }

  private async ringAfter<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.signal.notify();
    }
  }
}
