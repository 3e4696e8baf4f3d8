import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';

/** The issuer of email-and-password logins; their subject is the normalised email. */
export const PASSWORD_ISSUER = 'shoebox:password';

export interface PasswordLogin {
  readonly identityId: string;
  readonly email: string;
  readonly passwordHash: string | null;
  readonly emailVerifiedAt: number | null;
}

/** The password logins of identities: their hash, their email and its verification. Runs on what it was built with. */
export class PasswordLoginStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async byEmail(email: string): Promise<PasswordLogin | undefined> {
    const row = await this.select().where('subject', '=', email).executeTakeFirst();
    return row && toPasswordLogin(row);
  }

  /** An identity has at most one password login (one login per provider). */
  async ofIdentity(identityId: string): Promise<PasswordLogin | undefined> {
    const row = await this.select().where('identity_id', '=', identityId).executeTakeFirst();
    return row && toPasswordLogin(row);
  }

  /** Whether the identity's password login has a verified email: the access token's `email_verified`. */
  async emailVerified(identityId: string): Promise<boolean> {
    const row = await this.select().where('identity_id', '=', identityId).where('email_verified_at', 'is not', null).executeTakeFirst();
    return row !== undefined;
  }

  /** Sets the password of `email`'s login if it still belongs to `identityId`; `verifiedAt` marks the email proven too. */
  async setPassword(identityId: string, email: string, passwordHash: string, verifiedAt: number | null): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_logins')
      .set({ password_hash: passwordHash, ...(verifiedAt !== null && { email_verified_at: verifiedAt }) })
      .where('issuer', '=', PASSWORD_ISSUER)
      .where('subject', '=', email)
      .where('identity_id', '=', identityId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Removes the password: every password login fails (as a wrong password does) until a reset sets a new one. */
  async clearPassword(identityId: string): Promise<void> {
    await this.db
      .updateTable('identity_logins')
      .set({ password_hash: null })
      .where('issuer', '=', PASSWORD_ISSUER)
      .where('identity_id', '=', identityId)
      .execute();
  }

  /** Marks `email` proven if it is still the identity's; false otherwise. Idempotent. */
  async markVerified(identityId: string, email: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_logins')
      .set((eb) => ({ email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)) }))
      .where('issuer', '=', PASSWORD_ISSUER)
      .where('subject', '=', email)
      .where('identity_id', '=', identityId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Moves the identity's login to `newEmail`, proven. False when the identity has no password login. */
  async changeEmail(identityId: string, newEmail: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_logins')
      .set({ subject: newEmail, email_verified_at: now })
      .where('issuer', '=', PASSWORD_ISSUER)
      .where('identity_id', '=', identityId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  private select() {
    return this.db
      .selectFrom('identity_logins')
      .select(['identity_id', 'subject', 'password_hash', 'email_verified_at'])
      .where('issuer', '=', PASSWORD_ISSUER);
  }
}

const toPasswordLogin = (row: {
  identity_id: string;
  subject: string;
  password_hash: string | null;
  email_verified_at: number | null;
}): PasswordLogin => ({
  identityId: row.identity_id,
  email: row.subject,
  passwordHash: row.password_hash,
  emailVerifiedAt: row.email_verified_at === null ? null : Number(row.email_verified_at),
});
