import type { Kysely } from 'kysely';
import type { StreamSettings } from '../config/config.js';
import type { Database, Tables } from '../db/database.js';
import type { Change } from './change.js';
import { toChange } from './claims.js';

/** A change that failed, or waits behind a failed change of the same entity, to be tried again. */
export interface Parked {
  readonly change: Change;
  /** Attempts made so far: 0 for a change that only waits behind another. */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly error: string | null;
}

export interface DeadLetter {
  readonly consumer: string;
  readonly seq: number;
  readonly entity: string;
  readonly entityId: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly deadAt: Date;
}

/** Identifies an entity across entity kinds, for "later changes of this entity wait behind it". */
export const entityKey = (change: Pick<Change, 'entity' | 'entityId'>): string => `${change.entity}\u0000${change.entityId}`;

const MAX_ERROR_LENGTH = 1000;
const errorText = (error: string | null) => error?.slice(0, MAX_ERROR_LENGTH) ?? null;

/**
 * Retries and dead letters of every consumer (portable SQL). A parked change keeps a reference to
 * its row in stream_changes, which pruning leaves in place until it is handled or re-driven.
 */
export class RetryStore {
  constructor(private readonly database: Database) {}

  async park(trx: Kysely<Tables>, consumer: string, parked: readonly Parked[]): Promise<void> {
    if (parked.length === 0) return;
    await trx
      .insertInto('stream_retries')
      .values(
        parked.map((p) => ({
          consumer,
          seq: p.change.seq,
          entity: p.change.entity,
          entity_id: p.change.entityId,
          attempts: p.attempts,
          next_attempt_at: p.nextAttemptAt.getTime(),
          last_error: errorText(p.error),
        })),
      )
      .onConflict((oc) => oc.columns(['consumer', 'seq']).doNothing())
      .execute();
  }

  /** The entities that have changes waiting, whose newer changes must wait behind them. */
  async waitingEntities(consumer: string): Promise<Set<string>> {
    const rows = await this.database.db
      .selectFrom('stream_retries')
      .select(['entity', 'entity_id'])
      .distinct()
      .where('consumer', '=', consumer)
      .execute();
    return new Set(rows.map((row) => entityKey({ entity: row.entity, entityId: row.entity_id })));
  }

  /** Changes due for another attempt: only the oldest waiting change of each entity, so order per entity holds. */
  async due(consumer: string, now: Date, limit: number): Promise<{ change: Change; attempts: number }[]> {
    const rows = await this.database.db
      .selectFrom('stream_retries as r')
      .innerJoin('stream_changes as c', 'c.seq', 'r.seq')
      .selectAll('c')
      .select('r.attempts')
      .where('r.consumer', '=', consumer)
      .where('r.next_attempt_at', '<=', now.getTime())
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('stream_retries as older')
              .select('older.seq')
              .whereRef('older.consumer', '=', 'r.consumer')
              .whereRef('older.entity', '=', 'r.entity')
              .whereRef('older.entity_id', '=', 'r.entity_id')
              .whereRef('older.seq', '<', 'r.seq'),
          ),
        ),
      )
      .orderBy('r.seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ change: toChange(row), attempts: Number(row.attempts) }));
  }

  /** When the earliest waiting change is due, if any waits. */
  async nextDueAt(consumer: string): Promise<Date | undefined> {
    const row = await this.database.db
      .selectFrom('stream_retries')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    return row?.at == null ? undefined : new Date(Number(row.at));
  }

  async succeeded(consumer: string, seq: number): Promise<void> {
    await this.database.db.deleteFrom('stream_retries').where('consumer', '=', consumer).where('seq', '=', seq).execute();
  }

  async reschedule(consumer: string, seq: number, attempts: number, nextAttemptAt: Date, error: string): Promise<void> {
    await this.database.db
      .updateTable('stream_retries')
      .set({ attempts, next_attempt_at: nextAttemptAt.getTime(), last_error: errorText(error) })
      .where('consumer', '=', consumer)
      .where('seq', '=', seq)
      .execute();
  }

  /** Moves a change that failed its last attempt to the dead-letter table; the entity's later changes go on. */
  async deadLetter(consumer: string, change: Change, attempts: number, error: string): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('stream_retries').where('consumer', '=', consumer).where('seq', '=', change.seq).execute();
      await this.bury(trx, consumer, change, attempts, error);
    });
  }

  /** Inserts a dead letter inside the caller's transaction. */
  async bury(trx: Kysely<Tables>, consumer: string, change: Change, attempts: number, error: string): Promise<void> {
    await trx
      .insertInto('stream_dead_letters')
      .values({
        consumer,
        seq: change.seq,
        entity: change.entity,
        entity_id: change.entityId,
        attempts,
        last_error: errorText(error) ?? '',
        dead_at: Date.now(),
      })
      .onConflict((oc) => oc.columns(['consumer', 'seq']).doNothing())
      .execute();
  }

  async deadLetters(consumer: string | undefined, limit: number): Promise<DeadLetter[]> {
    let query = this.database.db.selectFrom('stream_dead_letters').selectAll().orderBy('seq').limit(limit);
    if (consumer !== undefined) query = query.where('consumer', '=', consumer);
    const rows = await query.execute();
    return rows.map((row) => ({
      consumer: row.consumer,
      seq: Number(row.seq),
      entity: row.entity,
      entityId: row.entity_id,
      attempts: Number(row.attempts),
      lastError: row.last_error,
      deadAt: new Date(Number(row.dead_at)),
    }));
  }

  /**
   * Gives dead letters (of one consumer and/or one seq, or all) a fresh set of attempts, due now.
   * Returns how many were re-driven.
   */
  async redrive(filter: { consumer?: string; seq?: number }): Promise<number> {
    return this.database.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('stream_dead_letters').selectAll();
      if (filter.consumer !== undefined) query = query.where('consumer', '=', filter.consumer);
      if (filter.seq !== undefined) query = query.where('seq', '=', filter.seq);
      const rows = await query.execute();
      const now = Date.now();
      for (const row of rows) {
        await trx
          .insertInto('stream_retries')
          .values({
            consumer: row.consumer,
            seq: row.seq,
            entity: row.entity,
            entity_id: row.entity_id,
            attempts: 0,
            next_attempt_at: now,
            last_error: row.last_error,
          })
          .onConflict((oc) => oc.columns(['consumer', 'seq']).doNothing())
          .execute();
        await trx.deleteFrom('stream_dead_letters').where('consumer', '=', row.consumer).where('seq', '=', row.seq).execute();
      }
      return rows.length;
    });
  }
}

/** Exponential, capped, with "equal jitter": half the delay is fixed, half random, so retries spread out. */
export function backoffMs(attempts: number, settings: Pick<StreamSettings, 'retryBaseMs' | 'retryMaxMs'>, random: () => number): number {
  const cap = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
  return cap / 2 + (random() * cap) / 2;
}
