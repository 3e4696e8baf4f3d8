import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { WebhookEventType } from './events.js';
import type { SendOutcome } from './send.js';
import type { DeliveryStatus, WebhookTables } from './tables.js';

type Row = Selectable<WebhookTables['webhook_deliveries']>;
export type NewDelivery = Insertable<WebhookTables['webhook_deliveries']>;

/** A delivery as the log shows it. */
export interface Delivery {
  readonly id: string;
  readonly webhookId: string;
  readonly seq: number;
  readonly type: WebhookEventType;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly latencyMs: number | null;
  readonly createdAt: Date;
  readonly nextAttemptAt: Date | null;
  readonly finishedAt: Date | null;
}

/** A delivery the dispatcher is about to send. */
export interface DueDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly body: string;
  readonly attempts: number;
  readonly retryUntil: number;
}

const MAX_ERROR_LENGTH = 500;

const toDelivery = (row: Row): Delivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  seq: Number(row.seq),
  type: row.type,
  status: row.status,
  attempts: Number(row.attempts),
  lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
  lastError: row.last_error,
  latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
  createdAt: new Date(Number(row.created_at)),
  nextAttemptAt: row.status === 'pending' ? new Date(Number(row.next_attempt_at)) : null,
  finishedAt: row.finished_at === null ? null : new Date(Number(row.finished_at)),
});

/**
 * The webhooks' delivery queue and log (portable SQL). A delivery is claimed with a lease before
 * it is sent, so two dispatchers (processes) never send it at once; only the oldest pending
 * delivery of each lane (one note or photo of one webhook) is due, so each entity's events reach a
 * receiver in order, one at a time, while other lanes and other webhooks go on.
 */
export class DeliveryQueue {
  constructor(private readonly database: Database) {}

  /**
   * Queues the deliveries `make` answers, in one transaction it may read in first; one already
   * queued for its webhook and change stays as it is (the fan-out may repeat). Answers how many were made.
   */
  async enqueue(make: (trx: Kysely<Tables>) => Promise<readonly NewDelivery[]>): Promise<number> {
    return this.database.write(async (trx) => {
      const deliveries = await make(trx);
      for (let i = 0; i < deliveries.length; i += 200) {
        await trx
          .insertInto('webhook_deliveries')
          .values(deliveries.slice(i, i + 200))
          .onConflict((oc) => oc.columns(['webhook_id', 'seq']).doNothing())
          .execute();
      }
      return deliveries.length;
    });
  }

  /** Up to `limit` deliveries due now, heads of their lanes, of active webhooks other than `busy`, oldest first. */
  async due(now: number, limit: number, busy: readonly string[]): Promise<DueDelivery[]> {
    let query = this.database.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.id', 'd.webhook_id', 'd.body', 'd.attempts', 'd.retry_until'])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where('d.lease_until', '<=', now)
      .where('w.paused', '=', 0)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as older')
              .select('older.id')
              .whereRef('older.webhook_id', '=', 'd.webhook_id')
              .whereRef('older.lane', '=', 'd.lane')
              .whereRef('older.seq', '<', 'd.seq')
              .where('older.status', '=', 'pending'),
          ),
        ),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.seq')
      .limit(limit);
    if (busy.length > 0) query = query.where('d.webhook_id', 'not in', busy);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: row.id,
      webhookId: row.webhook_id,
      body: row.body,
      attempts: Number(row.attempts),
      retryUntil: Number(row.retry_until),
    }));
  }

  /**
   * Takes deliveries for sending until `until`, in one statement; answers the ids taken (those
   * another dispatcher took meanwhile, or that are done, are left out).
   */
  async claim(ids: readonly string[], now: number, until: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.database.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: until })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .where('lease_until', '<=', now)
      .returning('id')
      .execute();
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Records an attempt: delivered when acknowledged; otherwise due again at `retryAt`, or a dead
   * letter when there is no retry left (undefined).
   */
  async attempted(delivery: DueDelivery, outcome: SendOutcome, now: number, retryAt: number | undefined): Promise<void> {
    const status: DeliveryStatus = outcome.ok ? 'delivered' : retryAt === undefined ? 'dead' : 'pending';
    await this.database.db
      .updateTable('webhook_deliveries')
      .set({
        status,
        attempts: delivery.attempts + 1,
        next_attempt_at: retryAt ?? now,
        lease_until: 0,
        last_status_code: outcome.statusCode,
        last_error: outcome.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
        latency_ms: outcome.latencyMs,
        finished_at: status === 'pending' ? null : now,
        // A delivered body is needed no more: the log keeps no copy of the notes' words.
        ...(status === 'delivered' && { body: '' }),
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'pending')
      .execute();
  }

  /** A webhook's deliveries, newest first, optionally only those of one status. */
  async log(webhookId: string, filter: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]> {
    let query = this.database.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(filter.limit);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toDelivery);
  }

  /** Gives a webhook's dead letters (or one of them) a fresh retry period from `now`; returns how many. */
  async redrive(webhookId: string, deliveryId: string | undefined, now: number, retryUntil: number): Promise<number> {
    let query = this.database.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, retry_until: retryUntil, lease_until: 0, finished_at: null })
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'dead');
    if (deliveryId !== undefined) query = query.where('id', '=', deliveryId);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  /**
   * Rewrites the bodies of an identity's note deliveries not yet delivered with `rewrite` applied
   * to their data, inside the caller's transaction (a deleted identity's words must not outlive it).
   */
  async rewriteNoteData(trx: Kysely<Tables>, ownerId: string, rewrite: (data: Record<string, unknown>) => Record<string, unknown>) {
    const rows = await trx
      .selectFrom('webhook_deliveries')
      .select(['id', 'body'])
      .where('owner_id', '=', ownerId)
      .where('status', '!=', 'delivered')
      .where('type', 'in', ['note.created', 'note.updated', 'note.deleted'])
      .execute();
    for (const row of rows) {
      const body = JSON.parse(row.body);
      await trx
        .updateTable('webhook_deliveries')
        .set({ body: JSON.stringify({ ...body, data: rewrite(body.data) }) })
        .where('id', '=', row.id)
        .execute();
    }
  }

  /** Forgets delivered deliveries finished before `olderThan` (dead letters stay until re-driven or their webhook goes). */
  async prune(olderThan: number): Promise<number> {
    const result = await this.database.db
      .deleteFrom('webhook_deliveries')
      .where('status', '=', 'delivered')
      .where('finished_at', '<', olderThan)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
