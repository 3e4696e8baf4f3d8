import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { HotQuery } from '../db/hot-query.js';
import { type Identity, type IdentityRow, toIdentity } from './store.js';

interface StateRow extends IdentityRow {
  session_id: string | null;
  revoked_at: number | null;
}

export type RevokeReason = 'logout' | 'reuse' | 'merged' | 'password-reset' | 'password-change';

/** What a request's access token is checked against: its identity and its session, as they are now. */
export interface SessionState {
  /** Undefined when the identity no longer exists. */
  readonly identity: Identity | undefined;
  /** False when the session does not exist, belongs to someone else or was revoked. */
  readonly sessionActive: boolean;
}

export interface StoredRefreshToken {
  readonly sessionId: string;
  readonly identityId: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly sessionRevokedAt: number | null;
  readonly sessionRevokedReason: string | null;
  readonly identityDisabled: boolean;
}

/** Sessions (refresh-token families) and their refresh tokens, stored hashed. */
export class SessionStore {
  /** Runs on every authenticated request. */
  private readonly stateQuery: HotQuery<[identityId: string, sessionId: string], StateRow>;

  constructor(private readonly db: Kysely<Tables>) {
    this.stateQuery = new HotQuery(db, 2, (query: Kysely<Tables>, identityId, sessionId) =>
      query
        .selectFrom('identities as i')
        .leftJoin('identity_sessions as s', (join) => join.onRef('s.identity_id', '=', 'i.id').on('s.id', '=', sessionId))
        .select(['i.id', 'i.kind', 'i.created_at', 'i.disabled_at', 'i.merged_into', 's.id as session_id', 's.revoked_at'])
        .where('i.id', '=', identityId),
    );
  }

  /** `loggedInAt`: when a login opened it, null for a guest's first session. */
  async createSession(id: string, identityId: string, now: number, loggedInAt: number | null): Promise<void> {
    await this.db
      .insertInto('identity_sessions')
      .values({ id, identity_id: identityId, created_at: now, logged_in_at: loggedInAt, revoked_at: null, revoked_reason: null })
      .execute();
  }

  async insertRefreshToken(tokenHash: string, sessionId: string, now: number, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('refresh_tokens')
      .values({ token_hash: tokenHash, session_id: sessionId, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
  }

  async findRefreshToken(tokenHash: string): Promise<StoredRefreshToken | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens as t')
      .innerJoin('identity_sessions as s', 's.id', 't.session_id')
      .innerJoin('identities as i', 'i.id', 's.identity_id')
      .select(['t.session_id', 's.identity_id', 't.expires_at', 't.used_at', 's.revoked_at', 's.revoked_reason', 'i.disabled_at'])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return (
      row && {
        sessionId: row.session_id,
        identityId: row.identity_id,
        expiresAt: Number(row.expires_at),
        usedAt: row.used_at === null ? null : Number(row.used_at),
        sessionRevokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
        sessionRevokedReason: row.revoked_reason,
        identityDisabled: row.disabled_at !== null,
      }
    );
  }

  /**
   * Marks a refresh token used if nobody has yet. The condition is in the UPDATE itself, so of
   * any number of concurrent uses exactly one sees `true`, on either engine.
   */
  async consumeRefreshToken(tokenHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Idempotent: a revoked session keeps its first revocation. */
  async revokeSession(id: string, now: number, reason: RevokeReason): Promise<void> {
    await this.db
      .updateTable('identity_sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeSessionsOf(identityId: string, now: number, reason: RevokeReason): Promise<void> {
    await this.db
      .updateTable('identity_sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('identity_id', '=', identityId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Ends every session of the identity but `keep` (the one asking). */
  async revokeOtherSessions(identityId: string, keep: string, now: number, reason: RevokeReason): Promise<void> {
    await this.db
      .updateTable('identity_sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('identity_id', '=', identityId)
      .where('id', '!=', keep)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** When a login opened the session; null for a guest's session, or a session that does not exist. */
  async loggedInAt(id: string): Promise<number | null> {
    const row = await this.db.selectFrom('identity_sessions').select('logged_in_at').where('id', '=', id).executeTakeFirst();
    return !row || row.logged_in_at === null ? null : Number(row.logged_in_at);
  }

  /** One indexed lookup per authenticated request; it reads the identity too, so routes need not. */
  async state(identityId: string, sessionId: string): Promise<SessionState> {
    const [row] = await this.stateQuery.execute(identityId, sessionId);
    if (!row) return { identity: undefined, sessionActive: false };
    return { identity: toIdentity(row), sessionActive: row.session_id !== null && row.revoked_at === null };
  }
}
