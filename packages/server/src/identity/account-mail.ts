import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { LinkType, Mailer } from '../mail/mailer.js';
import type { QueuedMail } from '../mail/queue.js';
import type { MailComposer } from '../mail/sender.js';
import type { MailVariables } from '../mail/templates.js';
import { type AccountTokenPurpose, AccountTokenStore, accountTokenFor } from './account-tokens.js';
import { PasswordLoginStore } from './password-logins.js';

export interface AccountMailSettings {
  readonly appName: string;
  /** Derives each message's token from its id (account-tokens.ts). */
  readonly tokenKey: Buffer;
  readonly verifyTokenTtlSeconds: number;
  readonly resetTokenTtlSeconds: number;
}

/**
 * Composes the account flows' messages when the sender sends them. A message with a link gets its
 * token here, derived from the message id and stored once (a retry finds it stored), valid from the
 * time it was asked for. A reset's account is looked up here too, not in the request: the request
 * costs the same whether or not the email has an account, and a reset for none is dropped unsent.
 */
export class AccountMailComposer implements MailComposer {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly mailer: Mailer,
    private readonly settings: AccountMailSettings,
  ) {}

  async compose(mail: QueuedMail): Promise<MailVariables | null> {
    const base = { appName: this.settings.appName, email: mail.recipient };
    switch (mail.kind) {
      case 'password-changed':
        return base;
      case 'email-changed':
        return { ...base, newEmail: mail.data.newEmail ?? '' };
      case 'reset': {
        const login = await new PasswordLoginStore(this.db).byEmail(mail.recipient);
        if (!login) return null;
        return this.withLink(mail, 'reset', login.identityId, this.settings.resetTokenTtlSeconds, base);
      }
      case 'verify': {
        const login = mail.identityId === null ? undefined : await new PasswordLoginStore(this.db).ofIdentity(mail.identityId);
        if (!login || login.email !== mail.recipient || login.emailVerifiedAt !== null) return null;
        return this.withLink(mail, 'verify', login.identityId, this.settings.verifyTokenTtlSeconds, base);
      }
      case 'email-change': {
        const login = mail.identityId === null ? undefined : await new PasswordLoginStore(this.db).ofIdentity(mail.identityId);
        if (!login) return null;
        return this.withLink(mail, 'email-change', login.identityId, this.settings.verifyTokenTtlSeconds, base);
      }
    }
  }

  private async withLink(
    mail: QueuedMail,
    purpose: AccountTokenPurpose & LinkType,
    identityId: string,
    ttlSeconds: number,
    base: MailVariables,
  ): Promise<MailVariables> {
    const token = accountTokenFor(this.settings.tokenKey, mail.id);
    await new AccountTokenStore(this.db).ensure(token, {
      purpose,
      identityId,
      email: mail.recipient,
      createdAt: mail.createdAt,
      expiresAt: mail.createdAt + ttlSeconds * 1000,
    });
    return { ...base, token, link: this.mailer.link(purpose, token), expiresInMinutes: String(Math.round(ttlSeconds / 60)) };
  }
}
