import type { Kysely } from 'kysely';
import { type MailConfig, mailConfigured } from '../config/mail.js';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import type { MailQueue, NewMail } from './queue.js';
import type { MailThrottle } from './throttle.js';

/** What a link in a message is for; the app's handler reads it from `type`. */
export type LinkType = 'verify' | 'reset' | 'email-change';

/**
 * What the account flows use to send mail: whether they can, the throttle, and the queue. A
 * message is queued on the request's transaction; `committed` then tells this process's sender.
 */
export class Mailer {
  constructor(
    private readonly config: MailConfig,
    private readonly queue: MailQueue,
    private readonly throttle: MailThrottle,
    private readonly wakeSender: () => void,
  ) {}

  get configured(): boolean {
    return mailConfigured(this.config);
  }

  /** Flows that cannot work without mail call this first: a clear 503 rather than a message nobody will get. */
  assertConfigured(): void {
    if (this.configured) return;
    throw new Problem(
      'mail_not_configured',
      'This server sends no mail: the operator has not set SHOEBOX_SMTP_URL and SHOEBOX_ACCOUNT_LINK_URL.',
    );
  }

  /** Counts a message to `recipient` asked for from `clientAddress` (429 mail_throttled past a limit). */
  take(recipient: string, clientAddress: string): Promise<void> {
    return this.throttle.take(recipient, clientAddress);
  }

  enqueue(db: Kysely<Tables>, mail: NewMail, now: number): Promise<string> {
    return this.queue.enqueue(db, mail, now);
  }

  deleteUnsentOf(db: Kysely<Tables>, identityId: string): Promise<void> {
    return this.queue.deleteUnsentOf(db, identityId);
  }

  /** Call once the transaction that queued messages committed. */
  committed(): void {
    this.wakeSender();
  }

  link(type: LinkType, token: string): string {
    return `${this.config.accountLinkUrl ?? ''}?${new URLSearchParams({ type, token })}`;
  }
}
