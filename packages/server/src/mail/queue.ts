import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { newId } from '../shared/secrets.js';
import type { MailKind } from './tables.js';

export interface NewMail {
  readonly kind: MailKind;
  readonly recipient: string;
  readonly identityId: string | null;
  readonly data?: Readonly<Record<string, string>>;
}

export interface QueuedMail {
  readonly id: string;
  readonly kind: MailKind;
  readonly recipient: string;
  readonly identityId: string | null;
  readonly data: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly attempts: number;
}

/** Sent and dropped messages are kept this long, for `shoebox` operators to look at, then deleted. */
const RETENTION_MS = 7 * 86_400_000;

/**
 * The durable mail queue. A request writes its message with `enqueue` on its own transaction, so
 * the message exists exactly when the change that asks for it committed. Senders claim messages
 * with a lease (`claim`): the condition sits in the UPDATE, so of any number of senders on either
 * engine exactly one holds a message at a time, and a dead sender's lease lapses.
 */
export class MailQueue {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Queues a message on `db` (the request's transaction); answers its id. */
  async enqueue(db: Kysely<Tables>, mail: NewMail, now: number): Promise<string> {
    const id = newId('mail');
    await db
      .insertInto('mail_outbox')
      .values({
        id,
        kind: mail.kind,
        recipient: mail.recipient,
        identity_id: mail.identityId,
        data: JSON.stringify(mail.data ?? {}),
        created_at: now,
        due_at: now,
        attempts: 0,
        claimed_until: null,
        sent_at: null,
        dropped: 0,
        last_error: null,
      })
      .execute();
    return id;
  }

  /** Claims up to `limit` due messages for `leaseMs`, counting an attempt on each. */
  async claim(now: number, limit: number, leaseMs: number): Promise<QueuedMail[]> {
    const candidates = await this.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('due_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('due_at')
      .limit(limit)
      .execute();
    const claimed: QueuedMail[] = [];
    for (const row of candidates) {
      const result = await this.db
        .updateTable('mail_outbox')
        .set({ claimed_until: now + leaseMs, attempts: row.attempts + 1 })
        .where('id', '=', row.id)
        .where('sent_at', 'is', null)
        .where('attempts', '=', row.attempts)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) continue;
      claimed.push({
        id: row.id,
        kind: row.kind,
        recipient: row.recipient,
        identityId: row.identity_id,
        data: JSON.parse(row.data) as Record<string, string>,
        createdAt: Number(row.created_at),
        attempts: row.attempts + 1,
      });
    }
    return claimed;
  }

  /** Done with a message: sent, or dropped because there was nothing to send. */
  async finish(id: string, now: number, outcome: 'sent' | 'dropped'): Promise<void> {
    await this.db
      .updateTable('mail_outbox')
      .set({ sent_at: now, claimed_until: null, dropped: outcome === 'dropped' ? 1 : 0, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  /** Gives a message back to the queue, due again at `dueAt`. */
  async retryLater(id: string, dueAt: number, error: string): Promise<void> {
    await this.db
      .updateTable('mail_outbox')
      .set({ due_at: dueAt, claimed_until: null, last_error: error.slice(0, 1000) })
      .where('id', '=', id)
      .execute();
  }

  /** Unsent messages about an identity go with it when it is deleted. */
  async deleteUnsentOf(db: Kysely<Tables>, identityId: string): Promise<void> {
    await db.deleteFrom('mail_outbox').where('identity_id', '=', identityId).where('sent_at', 'is', null).execute();
  }

  async prune(now: number): Promise<void> {
    await this.db
      .deleteFrom('mail_outbox')
      .where('sent_at', '<', now - RETENTION_MS)
      .execute();
  }
}
