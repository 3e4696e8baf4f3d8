/** Which message a queued mail is; each has a template (templates.ts). */
export type MailKind = 'verify' | 'reset' | 'email-change' | 'password-changed' | 'email-changed';

export interface MailTables {
  /**
   * The durable queue of outgoing mail: a row is written in the transaction of the request that
   * asks for it, and a sender claims, sends and marks it, retrying failures with backoff.
   */
  mail_outbox: {
    id: string;
    kind: MailKind;
    recipient: string;
    /** The identity the message is about, when known at request time (a reset finds it when sending). */
    identity_id: string | null;
    /** JSON of the kind's extra values. */
    data: string;
    created_at: number;
    /** Not sent before this: a failed attempt moves it later. */
    due_at: number;
    attempts: number;
    /** While in the future, one sender holds the message; a sender that died lets it lapse. */
    claimed_until: number | null;
    sent_at: number | null;
    /** Set instead of sending when there was nothing to send (a reset for an unknown email). */
    dropped: number;
    last_error: string | null;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends MailTables {}
}
