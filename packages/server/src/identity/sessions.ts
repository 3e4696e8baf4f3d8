import type { Kysely } from 'kysely';
import { type CacheGenerations, GenerationCache } from '../db/cache-generations.js';
import type { Database, Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId } from '../shared/secrets.js';
import type { AccessClaims, AccessTokens } from './access-tokens.js';
import { PasswordLoginStore } from './password-logins.js';
import { newRefreshToken, refreshTokenHash, successorRefreshToken } from './refresh-tokens.js';
import { type SessionState, SessionStore, type StoredRefreshToken } from './session-store.js';
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

/** Sessions whose state a process remembers; beyond it, the oldest are read again when used. */
const SESSION_CACHE_MAX_ENTRIES = 50_000;

/** How a session starts: a guest's first tokens, or a login (which adding another login may require to be recent). */
export type SessionStart = 'guest' | 'login';

export interface TokenSettings {
  readonly refreshTtlSeconds: number;
  /** How long after a refresh the same refresh token may be presented again and get the same successor (0: never). */
  readonly refreshRetryWindowSeconds: number;
  /** The server secret deriving each refresh token's successor (see successorRefreshToken). */
  readonly successorKey: Buffer;
}

/**
 * Sessions and the tokens that carry them. A session is one refresh-token family: each refresh
 * uses up its token and hands out the next; presenting a used one revokes the whole family,
 * because either the client or a thief is replaying it. One exception keeps flaky networks from
 * logging users out: within a few seconds of a refresh, and while the successor it handed out is
 * unused, the same token gets the same successor again (as Auth0's and Okta's grace periods do).
 */
export class TokenService {
  private readonly sessions: SessionStore;
  /** Identity and session states, kept while no identity, session or login changed anywhere (db/cache-generations.ts). */
  private readonly states: GenerationCache<SessionState>;

  constructor(
    private readonly database: Database,
    private readonly accessTokens: AccessTokens,
    private readonly settings: TokenSettings,
    private readonly generations: CacheGenerations,
    private readonly clock: Clock = systemClock,
  ) {
    this.sessions = new SessionStore(database.db);
    this.states = new GenerationCache(generations, 'identities', SESSION_CACHE_MAX_ENTRIES);
  }

  /** Starts a session on `db` (a transaction, usually); no signing happens here, so the transaction stays short. */
  async openSession(db: Kysely<Tables>, identityId: string, now: number, start: SessionStart): Promise<OpenedSession> {
    const sessions = new SessionStore(db);
    const sessionId = newId('ses');
    await sessions.createSession(sessionId, identityId, now, start === 'login' ? now : null);
    const refresh = newRefreshToken();
    await sessions.insertRefreshToken(refresh.hash, sessionId, now, this.refreshExpiry(now));
    return { identityId, sessionId, refreshToken: refresh.token };
  }

  async pair(session: OpenedSession): Promise<TokenPair> {
    return {
      identityId: session.identityId,
      accessToken: await this.accessTokens.issue({
        ...session,
        emailVerified: await new PasswordLoginStore(this.database.db).emailVerified(session.identityId),
      }),
      refreshToken: session.refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTokens.ttlSeconds,
    };
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = refreshTokenHash(refreshToken);
    const now = this.clock.now();
    const outcome = await this.database.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
      const sessions = new SessionStore(trx);
      const stored = await sessions.findRefreshToken(hash);
      if (!stored) return { refused: unknownRefreshToken() };
      if (stored.usedAt !== null) return this.usedAgain(sessions, refreshToken, stored, now);
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
      // The conditional UPDATE decides between concurrent first uses. A loser's UPDATE waited for
      // the winner's commit, so reading again sees the winner's use and successor.
      if (!(await sessions.consumeRefreshToken(hash, now))) {
        const used = await sessions.findRefreshToken(hash);
        if (!used) return { refused: unknownRefreshToken() };
        return this.usedAgain(sessions, refreshToken, used, now);
      }
      const next = successorRefreshToken(this.settings.successorKey, refreshToken);
      await sessions.insertRefreshToken(next.hash, stored.sessionId, now, this.refreshExpiry(now));
      return { opened: { identityId: stored.identityId, sessionId: stored.sessionId, refreshToken: next.token } };
    });
    if ('refused' in outcome) {
      if (outcome.refused.code === 'refresh_token_reused') await this.generations.committed('identities');
      throw outcome.refused;
    }
    return this.pair(outcome.opened);
  }

  /**
   * A used refresh token came back. A retry, within the window of its use while the session is live
   * and its successor unused, gets that successor again with a new access token of the session:
   * nothing new is created, so a thief racing the client gets no family of its own, and once either
   * of them uses the successor, the old token is a replay again. A replay ends the session.
   */
  private async usedAgain(sessions: SessionStore, token: string, stored: StoredRefreshToken, now: number): Promise<RefreshOutcome> {
    const retried =
      stored.usedAt !== null &&
      now - stored.usedAt < this.settings.refreshRetryWindowSeconds * 1000 &&
      stored.sessionRevokedAt === null &&
      !stored.identityDisabled;
    if (retried) {
      const successor = successorRefreshToken(this.settings.successorKey, token);
      const next = await sessions.findRefreshToken(successor.hash);
      if (next && next.sessionId === stored.sessionId && next.usedAt === null) {
        return { opened: { identityId: stored.identityId, sessionId: stored.sessionId, refreshToken: successor.token } };
      }
    }
    await sessions.revokeSession(stored.sessionId, now, 'reuse');
    return {
      refused: new Problem(
        'refresh_token_reused',
        'This refresh token was already used, so its session has been revoked in case it was stolen. Log in again.',
      ),
    };
  }

  /** Verifies an access token and checks, now, that its identity and session are still live. */
  async authenticate(accessToken: string): Promise<Authenticated> {
    const claims = await this.verify(accessToken);
    return { ...claims, identity: await this.assertLive(claims.identityId, claims.sessionId) };
  }

  /** Verifies an access token alone (signature, issuer, audience, times, type), for a caller that checks liveness itself. */
  verify(accessToken: string): Promise<AccessClaims> {
    return this.accessTokens.verify(accessToken);
  }

  /** The identity, unless it or the session is no longer live: then the problem a request of theirs answers. */
  async assertLive(identityId: string, sessionId: string): Promise<Identity> {
    const { identity, sessionActive } = await this.states.get(`${identityId} ${sessionId}`, () =>
      this.sessions.state(identityId, sessionId),
    );
    if (!identity) throw deletedProblem();
    if (identity.disabledAt) throw disabledProblem(identity.mergedInto);
    if (!sessionActive) throw new Problem('session_revoked', 'This session was signed out or revoked. Log in again.');
    return identity;
  }

  private refreshExpiry(now: number): number {
    return now + this.settings.refreshTtlSeconds * 1000;
  }

  /** Ends a session: its refresh tokens stop working and so do its access tokens. Idempotent. */
  async revoke(sessionId: string): Promise<void> {
    await this.sessions.revokeSession(sessionId, this.clock.now(), 'logout');
    await this.generations.committed('identities');
  }
}

const unknownRefreshToken = () => new Problem('refresh_token_invalid', 'This refresh token is unknown. Log in again.');

export const deletedProblem = () =>
  new Problem('identity_deleted', 'This identity was deleted. Create a new one with POST /v1/identities.');

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
