import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import { newId } from '../shared/secrets.js';
import type { AccessClaims, AccessTokens } from './access-tokens.js';
import { newRefreshToken, refreshTokenHash } from './refresh-tokens.js';
import { SessionStore } from './session-store.js';
import type { Identity } from './store.js';

export interface TokenPair {
  readonly identityId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

/** A live identity and session, proven by an access token. */
export interface Authenticated extends AccessClaims {
  /** The identity as read while authenticating. */
  readonly identity: Identity;
}

/** A session opened inside a transaction; its access token is signed once the transaction commits. */
export interface OpenedSession {
  readonly identityId: string;
  readonly sessionId: string;
  readonly refreshToken: string;
}

type RefreshOutcome = { readonly opened: OpenedSession } | { readonly refused: Problem };

/**
 * Sessions and the tokens that carry them. A session is one refresh-token family: each refresh
 * uses up its token and hands out the next; presenting a used one revokes the whole family,
 * because either the client or a thief is replaying it.
 */
export class TokenService {
  private readonly sessions: SessionStore;

  constructor(
    private readonly database: Database,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTtlSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.sessions = new SessionStore(database.db);
  }

  /** Starts a session on `db` (a transaction, usually); no signing happens here, so the transaction stays short. */
  async openSession(db: Kysely<Tables>, identityId: string, now: number): Promise<OpenedSession> {
    const sessions = new SessionStore(db);
    const sessionId = newId('ses');
    await sessions.createSession(sessionId, identityId, now);
    const refresh = newRefreshToken();
    await sessions.insertRefreshToken(refresh.hash, sessionId, now, now + this.refreshTtlSeconds * 1000);
    return { identityId, sessionId, refreshToken: refresh.token };
  }

  async pair(session: OpenedSession): Promise<TokenPair> {
    return {
      identityId: session.identityId,
      accessToken: await this.accessTokens.issue(session),
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTokens.ttlSeconds,
    };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = refreshTokenHash(refreshToken);
    const now = this.clock();
    const outcome = await this.database.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
      const sessions = new SessionStore(trx);
      const stored = await sessions.findRefreshToken(hash);
      if (!stored) return { refused: new Problem('refresh_token_invalid', 'This refresh token is unknown. Log in again.') };
      // A used token is being replayed, by the client or by a thief: end the family either way.
      const replayed = async (): Promise<RefreshOutcome> => {
        await sessions.revokeSession(stored.sessionId, now, 'reuse');
        return {
          refused: new Problem(
            'refresh_token_reused',
            'This refresh token was already used, so its session has been revoked in case it was stolen. Log in again.',
          ),
        };
      };
      if (stored.usedAt !== null) return replayed();
      if (stored.sessionRevokedAt !== null) {
        return {
          refused: new Problem(
            'refresh_token_revoked',
            `This session was revoked (${stored.sessionRevokedReason ?? 'revoked'}). Log in again.`,
          ),
        };
      }
      if (stored.expiresAt <= now)
        return { refused: new Problem('refresh_token_expired', 'This refresh token has expired. Log in again.') };
      if (stored.identityDisabled) return { refused: disabledProblem(null) };
      // The conditional UPDATE decides between concurrent first uses: all but one are replays.
      if (!(await sessions.consumeRefreshToken(hash, now))) return replayed();
      const next = newRefreshToken();
      await sessions.insertRefreshToken(next.hash, stored.sessionId, now, now + this.refreshTtlSeconds * 1000);
      return { opened: { identityId: stored.identityId, sessionId: stored.sessionId, refreshToken: next.token } };
    });
    if ('refused' in outcome) throw outcome.refused;
    return this.pair(outcome.opened);
  }

  /** Verifies an access token and checks, now, that its identity and session are still live. */
  async authenticate(accessToken: string): Promise<Authenticated> {
    const claims = await this.accessTokens.verify(accessToken);
    const { identity, sessionActive } = await this.sessions.state(claims.identityId, claims.sessionId);
    if (!identity) throw new Problem('identity_deleted', 'This identity was deleted. Create a new one with POST /v1/identities.');
    if (identity.disabledAt) throw disabledProblem(identity.mergedInto);
    if (!sessionActive) throw new Problem('session_revoked', 'This session was signed out or revoked. Log in again.');
    return { ...claims, identity };
  }

  /** Ends a session: its refresh tokens stop working and so do its access tokens. Idempotent. */
  async revoke(sessionId: string): Promise<void> {
    await this.sessions.revokeSession(sessionId, this.clock(), 'logout');
  }
}

export const disabledProblem = (mergedInto: string | null) =>
  mergedInto
    ? new Problem(
        'identity_disabled',
        'This guest identity was merged into another one when its user logged in. Use the tokens of that login.',
        {
          extensions: { mergedInto },
        },
      )
    : new Problem('identity_disabled', 'This identity has been disabled by an administrator.');
