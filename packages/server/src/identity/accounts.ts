import type { CacheGenerations } from '../db/cache-generations.js';
import type { Database } from '../db/database.js';
import { Problem } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { AccountTokenStore, invalidToken } from './account-tokens.js';
import type { LoginThrottle } from './login-throttle.js';
import { type PasswordLogin, PasswordLoginStore } from './password-logins.js';
import { normalizeEmail, type PasswordHasher } from './passwords.js';
import { SessionStore } from './session-store.js';

export interface AccountServiceParts {
  readonly database: Database;
  readonly passwords: PasswordHasher;
  readonly loginThrottle: LoginThrottle;
  readonly mailer: Mailer;
  readonly generations: CacheGenerations;
  readonly clock?: Clock;
}

/** Who asks: the identity and session of the access token, and the client address (for throttles). */
export interface AccountCaller {
  readonly identityId: string;
  readonly sessionId: string;
  readonly clientAddress: string;
}

/**
 * The account flows of password logins: proving an email (verification), recovering a forgotten
 * password (reset), changing the password and the email. Links are mailed through the queue; every
 * token is single-use and expiring (account-tokens.ts).
 */
export class AccountService {
  private readonly clock: Clock;

  constructor(private readonly parts: AccountServiceParts) {
    this.clock = parts.clock ?? systemClock;
  }

  /**
   * Always the same answer and the same work, whether or not the email has an account: count the
   * throttle, queue one message. The sender finds the account, or drops the message (account-mail.ts).
   */
  async requestPasswordReset(email: string, clientAddress: string): Promise<void> {
    const { mailer, database } = this.parts;
    mailer.assertConfigured();
    const recipient = normalizeEmail(email);
    await mailer.take(recipient, clientAddress);
    await mailer.enqueue(database.db, { kind: 'reset', recipient, identityId: null }, this.clock.now());
    mailer.committed();
  }

  /**
   * Sets the new password, marks the email proven (the link reached its inbox), ends every session
   * and every other reset link of the identity, and tells the owner by mail.
   */
  async confirmPasswordReset(token: string, newPassword: string): Promise<void> {
    const passwordHash = await this.parts.passwords.hash(newPassword);
    const now = this.clock.now();
    await this.parts.database.db.transaction().execute(async (trx) => {
      const tokens = new AccountTokenStore(trx);
      const { identityId, email } = await tokens.redeem(token, 'reset', now);
      // The email changed since the link was sent: the link no longer speaks for this account.
      if (!(await new PasswordLoginStore(trx).setPassword(identityId, email, passwordHash, now))) throw invalidToken();
      await tokens.revokeAll(identityId, 'reset', now);
      await new SessionStore(trx).revokeSessionsOf(identityId, now, 'password-reset');
      await this.parts.mailer.enqueue(trx, { kind: 'password-changed', recipient: email, identityId }, now);
    });
    await this.committed();
  }

  /** Proves the email the token was sent to. Answers the address proven. */
  async verifyEmail(token: string): Promise<{ identityId: string; email: string }> {
    const now = this.clock.now();
    const redeemed = await this.parts.database.db.transaction().execute(async (trx) => {
      const redeemed = await new AccountTokenStore(trx).redeem(token, 'verify', now);
      if (!(await new PasswordLoginStore(trx).markVerified(redeemed.identityId, redeemed.email, now))) throw invalidToken();
      return redeemed;
    });
    await this.parts.generations.committed('identities');
    return redeemed;
  }

  /** Sends the verification message again, within the mail throttle's limit per recipient. */
  async resendVerification(caller: AccountCaller): Promise<void> {
    const { mailer, database } = this.parts;
    mailer.assertConfigured();
    const login = await this.passwordLoginOf(caller.identityId);
    if (login.emailVerifiedAt !== null) throw new Problem('conflict', `${login.email} is already verified.`);
    await mailer.take(login.email, caller.clientAddress);
    await mailer.enqueue(database.db, { kind: 'verify', recipient: login.email, identityId: caller.identityId }, this.clock.now());
    mailer.committed();
  }

  /** Needs the current password (throttled like a login). Other sessions end; this one stays signed in. */
  async changePassword(caller: AccountCaller, currentPassword: string, newPassword: string): Promise<void> {
    const login = await this.checkPassword(caller, currentPassword);
    const passwordHash = await this.parts.passwords.hash(newPassword);
    const now = this.clock.now();
    await this.parts.database.db.transaction().execute(async (trx) => {
      if (!(await new PasswordLoginStore(trx).setPassword(caller.identityId, login.email, passwordHash, null))) {
        throw new Problem('conflict', 'The email of this account changed meanwhile. Try again.');
      }
      await new AccountTokenStore(trx).revokeAll(caller.identityId, 'reset', now);
      await new SessionStore(trx).revokeOtherSessions(caller.identityId, caller.sessionId, now, 'password-change');
      if (this.parts.mailer.configured) {
        await this.parts.mailer.enqueue(trx, { kind: 'password-changed', recipient: login.email, identityId: caller.identityId }, now);
      }
    });
    await this.committed();
  }

  /** Needs the password; the change happens when the link mailed to the new address is used. */
  async requestEmailChange(caller: AccountCaller, newEmail: string, password: string): Promise<void> {
    const { mailer, database } = this.parts;
    mailer.assertConfigured();
    await this.checkPassword(caller, password);
    const recipient = normalizeEmail(newEmail);
    if (await new PasswordLoginStore(database.db).byEmail(recipient)) throw emailTaken();
    await mailer.take(recipient, caller.clientAddress);
    await mailer.enqueue(database.db, { kind: 'email-change', recipient, identityId: caller.identityId }, this.clock.now());
    mailer.committed();
  }

  /** Moves the account to the address the token was sent to, proven, and tells the old address. */
  async confirmEmailChange(token: string): Promise<{ identityId: string; email: string }> {
    const now = this.clock.now();
    const redeemed = await this.parts.database.db.transaction().execute(async (trx) => {
      const redeemed = await new AccountTokenStore(trx).redeem(token, 'email-change', now);
      const logins = new PasswordLoginStore(trx);
      const old = await logins.ofIdentity(redeemed.identityId);
      if (!old) throw invalidToken();
      if (await logins.byEmail(redeemed.email)) throw emailTaken();
      await logins.changeEmail(redeemed.identityId, redeemed.email, now);
      await new AccountTokenStore(trx).revokeAll(redeemed.identityId, 'reset', now);
      await this.parts.mailer.enqueue(
        trx,
        { kind: 'email-changed', recipient: old.email, identityId: redeemed.identityId, data: { newEmail: redeemed.email } },
        now,
      );
      return redeemed;
    });
    await this.committed();
    return redeemed;
  }

  /**
   * For administrators, after a suspected compromise: the password stops working, every session
   * ends, and a reset link is mailed when mail is configured (the message waits in the queue for
   * a sender otherwise). Answers whether a message was queued.
   */
  async forcePasswordReset(identityId: string): Promise<{ mailed: boolean }> {
    const login = await this.passwordLoginOf(identityId);
    const now = this.clock.now();
    const { mailer } = this.parts;
    await this.parts.database.db.transaction().execute(async (trx) => {
      await new PasswordLoginStore(trx).clearPassword(identityId);
      await new SessionStore(trx).revokeSessionsOf(identityId, now, 'password-reset');
      if (mailer.configured) await mailer.enqueue(trx, { kind: 'reset', recipient: login.email, identityId }, now);
    });
    await this.committed();
    return { mailed: mailer.configured };
  }

  private async passwordLoginOf(identityId: string): Promise<PasswordLogin> {
    const login = await new PasswordLoginStore(this.parts.database.db).ofIdentity(identityId);
    if (!login) throw new Problem('conflict', 'This identity has no email and password login. Sign up with POST /v1/accounts first.');
    return login;
  }

  private async checkPassword(caller: AccountCaller, password: string): Promise<PasswordLogin> {
    const login = await this.passwordLoginOf(caller.identityId);
    const attempt = await this.parts.loginThrottle.take(login.email, caller.clientAddress);
    if (!(await this.parts.passwords.verify(password, login.passwordHash))) {
      throw new Problem('invalid_credentials', 'The password is wrong.');
    }
    await attempt.succeeded();
    return login;
  }

  private async committed(): Promise<void> {
    await this.parts.generations.committed('identities');
    this.parts.mailer.committed();
  }
}

const emailTaken = () => new Problem('email_taken', 'An account with this email exists.');
