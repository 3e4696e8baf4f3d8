import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { Problem, type ProblemCode } from '../errors.js';
import { sha256 } from '../shared/secrets.js';

export type AccountTokenPurpose = Tables['account_tokens']['purpose'];

/** A redeemed token: whose it is, and the address it was mailed to. */
export interface RedeemedToken {
  readonly identityId: string;
  readonly email: string;
}

const TOKEN_PREFIX = 'sba';

/**
 * The token a queued message carries, derived from the message's id with a server secret: every
 * attempt to send the message carries the same token, and the request that queued it never held
 * it. 256 bits, so it is stored as a plain SHA-256.
 */
export const accountTokenFor = (key: Buffer, mailId: string): string =>
  `${TOKEN_PREFIX}_${createHmac('sha256', key).update(mailId).digest('base64url')}`;

/** Single-use, expiring tokens proving control of an address. Runs on whatever it was built with (a transaction, usually). */
export class AccountTokenStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** Stores a token unless it already is (a retried send): idempotent. */
  async ensure(
    token: string,
    row: { purpose: AccountTokenPurpose; identityId: string; email: string; createdAt: number; expiresAt: number },
  ) {
    await this.db
      .insertInto('account_tokens')
      .values({
        token_hash: sha256(token),
        purpose: row.purpose,
        identity_id: row.identityId,
        email: row.email,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
        used_at: null,
      })
      .onConflict((oc) => oc.column('token_hash').doNothing())
      .execute();
  }

  /** The live token of `purpose`, left unused (the MFA step checks its code first); the same problems as `redeem`. */
  async check(token: string, purpose: AccountTokenPurpose, now: number): Promise<RedeemedToken> {
    const row = await this.db
      .selectFrom('account_tokens')
      .select(['identity_id', 'email', 'used_at', 'expires_at'])
      .where('token_hash', '=', sha256(token))
      .where('purpose', '=', purpose)
      .executeTakeFirst();
    if (!row || row.used_at !== null) throw refusal(purpose, 'invalid');
    if (Number(row.expires_at) <= now) throw refusal(purpose, 'expired');
    return { identityId: row.identity_id, email: row.email };
  }

  /**
   * Uses up a token of `purpose`. The condition sits in the UPDATE, so of any number of concurrent
   * redemptions exactly one succeeds; the others, like a replay, an expired or an unknown token, get a 400.
   */
  async redeem(token: string, purpose: AccountTokenPurpose, now: number): Promise<RedeemedToken> {
    const hash = sha256(token);
    const used = await this.db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['identity_id', 'email'])
      .executeTakeFirst();
    if (used) return { identityId: used.identity_id, email: used.email };
    const row = await this.db
      .selectFrom('account_tokens')
      .select(['used_at', 'expires_at'])
      .where('token_hash', '=', hash)
      .where('purpose', '=', purpose)
      .executeTakeFirst();
    throw refusal(purpose, row && row.used_at === null ? 'expired' : 'invalid');
  }

  /** Forgets the identity's tokens that expired before `before`: each login with a second factor leaves one. */
  async pruneExpired(identityId: string, before: number): Promise<void> {
    await this.db.deleteFrom('account_tokens').where('identity_id', '=', identityId).where('expires_at', '<', before).execute();
  }

  /** Ends every unused token of `purpose` for an identity, so a newer action makes older links useless. */
  async revokeAll(identityId: string, purpose: AccountTokenPurpose, now: number): Promise<void> {
    await this.db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('identity_id', '=', identityId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
  }
}

const REFUSALS: Record<'link' | 'mfa', Record<'invalid' | 'expired', [ProblemCode, string]>> = {
  link: {
    invalid: ['account_token_invalid', 'This link or code is not valid, or was already used. Ask for a new one.'],
    expired: ['account_token_expired', 'This link has expired. Ask for a new one.'],
  },
  mfa: {
    invalid: ['mfa_token_invalid', 'This mfaToken is unknown or was already used. Log in with the password again.'],
    expired: ['mfa_token_invalid', 'This mfaToken has expired. Log in with the password again.'],
  },
};

const refusal = (purpose: AccountTokenPurpose, why: 'invalid' | 'expired') => {
  const [code, detail] = REFUSALS[purpose === 'mfa' ? 'mfa' : 'link'][why];
  return new Problem(code, detail);
};

export const invalidToken = () => refusal('verify', 'invalid');
