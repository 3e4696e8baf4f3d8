import type { Selectable } from 'kysely';
import type { Database } from '../db/database.js';
import type { WebhookEventType } from './events.js';
import type { WebhookTables } from './tables.js';

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description: string;
  readonly paused: boolean;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretUntil: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The secrets that sign at `now`: the current one, and the previous one during its grace period. */
export const signingSecrets = (webhook: Webhook, now: Date): string[] =>
  webhook.previousSecret !== null && webhook.previousSecretUntil !== null && webhook.previousSecretUntil > now
    ? [webhook.secret, webhook.previousSecret]
    : [webhook.secret];

type Row = Selectable<WebhookTables['webhooks']>;

const toWebhook = (row: Row): Webhook => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events),
  description: row.description,
  paused: Number(row.paused) === 1,
  secret: row.secret,
  previousSecret: row.previous_secret,
  previousSecretUntil: row.previous_secret_until === null ? null : new Date(Number(row.previous_secret_until)),
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

const toRow = (webhook: Webhook): Row => ({
  id: webhook.id,
  url: webhook.url,
  events: JSON.stringify(webhook.events),
  description: webhook.description,
  paused: webhook.paused ? 1 : 0,
  secret: webhook.secret,
  previous_secret: webhook.previousSecret,
  previous_secret_until: webhook.previousSecretUntil?.getTime() ?? null,
  created_at: webhook.createdAt.getTime(),
  updated_at: webhook.updatedAt.getTime(),
});

/**
 * The registered webhooks. Signing secrets are kept as they are, not hashed: Shoebox must sign
 * with them (like the identity service's own secrets); they are shown to the operator only once.
 */
export class WebhookStore {
  constructor(private readonly database: Database) {}

  async list(): Promise<Webhook[]> {
    const rows = await this.database.db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toWebhook);
  }

  async count(): Promise<number> {
    const row = await this.database.db
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async find(id: string): Promise<Webhook | undefined> {
    const row = await this.database.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toWebhook(row);
  }

  async insert(webhook: Webhook): Promise<void> {
    await this.database.db.insertInto('webhooks').values(toRow(webhook)).execute();
  }

  /** Writes every field but the id and creation time; false when the webhook is gone. */
  async replace(webhook: Webhook): Promise<boolean> {
    const { id, created_at, ...fields } = toRow(webhook);
    const result = await this.database.db.updateTable('webhooks').set(fields).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Removes the webhook and its deliveries, queued or logged; false when there was none. */
  async delete(id: string): Promise<boolean> {
    return this.database.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      const result = await trx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }
}
