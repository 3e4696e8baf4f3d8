import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { Change } from './change.js';
import type { ChangeSignal } from './signal.js';

/**
 * Appends a change to the stream. Call it inside the transaction that makes the write, so the
 * write and its change commit (or roll back) together: exactly one change per committed write.
 */
export async function recordChange(trx: Kysely<Tables>, change: Omit<Change, 'seq' | 'createdAt'>): Promise<void> {
  await trx
    .insertInto('stream_changes')
    .values({
      entity: change.entity,
      entity_id: change.entityId,
      owner_id: change.ownerId,
      op: change.op,
      version: change.version,
      old_image: change.oldImage === null ? null : JSON.stringify(change.oldImage),
      new_image: change.newImage === null ? null : JSON.stringify(change.newImage),
      created_at: Date.now(),
    })
    .execute();
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
    try {
      return await this.database.db.transaction().execute(work);
    } finally {
      this.signal.notify();
    }
  }
}
