import type { Kysely } from 'kysely';
import { type CacheGenerations, GenerationCache } from '../db/cache-generations.js';
import type { Database, Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import type { MailComposer } from '../mail/sender.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId } from '../shared/secrets.js';
import { type AccessClaims, CLOCK_TOLERANCE_SECONDS } from './access-tokens.js';
import type { AccountService } from './accounts.js';
import type { IdentityDataOwner } from './data-owners.js';
import type { GuestThrottle } from './guest-throttle.js';
import { type LinkCaller, type LinkMode, LoginLinker } from './linking.js';
import type { LoginThrottle } from './login-throttle.js';
import type { MfaService } from './mfa.js';
import type { OidcVerifier } from './oidc.js';
import { IdentityLocks } from './owner-locks.js';
import { PASSWORD_ISSUER, PasswordLoginStore } from './password-logins.js';
import { normalizeEmail, type PasswordHasher } from './passwords.js';
import type { Authenticated, TokenPair, TokenService } from './sessions.js';
import type { PublicJwk, Rotation, SigningKeys } from './signing-keys.js';
import { type Identity, IdentityStore, type Login, type NewLogin } from './store.js';

const LOGINS_CACHE_MAX_ENTRIES = 10_000;
export const DEVELOPER_ISSUER = 'shoebox:developer';

export interface IdentityView extends Identity {
  readonly logins: readonly Login[];
}

export interface LoginResult extends TokenPair {
  /** The guest identity whose data moved into this one because the login already had an identity. */
  readonly mergedFrom: string | null;
}

export interface IdentityPage {
  readonly identities: IdentityView[];
  readonly nextCursor: string | null;
}

export interface IdentityServiceParts {
  readonly database: Database;
  readonly tokens: TokenService;
  readonly signingKeys: SigningKeys;
  readonly passwords: PasswordHasher;
  readonly loginThrottle: LoginThrottle;
  readonly guestThrottle: GuestThrottle;
  readonly oidc: OidcVerifier;
  /** Capabilities owning data per identity; called on merge and deletion in the same transaction. */
  readonly dataOwners: readonly IdentityDataOwner[];
  /** Tells the caches of identities' logins when they changed; told of this service's own changes. */
  readonly generations: CacheGenerations;
  readonly accessTokenTtlSeconds: number;
  /** Sends the verification message of a sign-up, when mail is configured. */
  readonly mailer: Mailer;
  /** Whether a password login needs a verified email. */
  readonly emailVerificationRequired: boolean;
  /** Verification, reset, password and email change. */
  readonly accounts: AccountService;
  /** Composes the account messages when the mail sender sends them. */
  readonly mailComposer: MailComposer;
  /** TOTP second factors of password logins. */
  readonly mfa: MfaService;
  /** How recent a session's login must be for it to add a login to an authenticated identity. */
  readonly reauthWindowSeconds: number;
  readonly clock?: Clock;
}

/** The identity pool: guests, logins, linking and merging, sessions, and administration. */
export class IdentityService {
  private readonly tokens: TokenService;
  private readonly store: IdentityStore;
  private readonly linker: LoginLinker;
  private readonly locks: IdentityLocks;
  private readonly clock: Clock;
  /** Logins by identity, for GET /v1/identities/me. */
  private readonly logins: GenerationCache<readonly Login[]>;

  constructor(private readonly parts: IdentityServiceParts) {
    this.tokens = parts.tokens;
    this.store = new IdentityStore(parts.database.db);
    this.logins = new GenerationCache(parts.generations, 'identities', LOGINS_CACHE_MAX_ENTRIES);
    this.locks = new IdentityLocks(parts.database.engine);
    this.linker = new LoginLinker(parts.dataOwners, this.locks, parts.reauthWindowSeconds);
    this.clock = parts.clock ?? systemClock;
  }

  get accounts(): AccountService {
    return this.parts.accounts;
  }

  get mailComposer(): MailComposer {
    return this.parts.mailComposer;
  }

  get mfa(): MfaService {
    return this.parts.mfa;
  }

  /** Guests are limited per client address: each has a photo quota of its own. */
  async createGuest(clientAddress: string): Promise<TokenPair> {
    await this.parts.guestThrottle.take(clientAddress);
    const now = this.clock.now();
    const session = await this.parts.database.db.transaction().execute(async (trx) => {
      const id = newId('id');
      await new IdentityStore(trx).insert({ id, kind: 'guest', createdAt: now });
      return this.tokens.openSession(trx, id, now, 'guest');
    });
    return this.tokens.pair(session);
  }

  authenticate(accessToken: string): Promise<Authenticated> {
    return this.tokens.authenticate(accessToken);
  }

  /** Verifies an access token without reading its identity: the route's write checks liveness (bearer.ts). */
  verifyAccessToken(accessToken: string): Promise<AccessClaims> {
    return this.tokens.verify(accessToken);
  }

  /** Throws the problem a request answers when the identity or its session is no longer live. */
  async assertLive(identityId: string, sessionId: string): Promise<void> {
    await this.tokens.assertLive(identityId, sessionId);
  }

  /** The identity of a live session (from the cache of states, sessions.ts); the problem of `assertLive` otherwise. */
  liveIdentity(identityId: string, sessionId: string): Promise<Identity> {
    return this.tokens.assertLive(identityId, sessionId);
  }

  refresh(refreshToken: string): Promise<TokenPair> {
    return this.tokens.refresh(refreshToken);
  }

  /** Ends the session of the presented token: its refresh token and its access tokens stop working. */
  logout(sessionId: string): Promise<void> {
    return this.tokens.revoke(sessionId);
  }

  /**
   * A new password account. With a bearer token it is added to that identity: a guest's at once, an
   * authenticated one's only from a session with a recent login. The email must be new.
   */
  async signUp(email: string, password: string, caller: LinkCaller | null): Promise<LoginResult> {
    const passwordHash = await this.parts.passwords.hash(password);
    const subject = normalizeEmail(email);
    const { mailer } = this.parts;
    // Not throttled: the email is new, so each address gets this message once.
    const verify = mailer.configured
      ? (trx: Kysely<Tables>, identityId: string, now: number) =>
          mailer.enqueue(trx, { kind: 'verify', recipient: subject, identityId }, now).then(() => {})
      : undefined;
    const result = await this.link({ issuer: PASSWORD_ISSUER, subject, provider: 'password', passwordHash }, caller, 'sign-up', verify);
    mailer.committed();
    return result;
  }

  /**
   * Unknown email and wrong password answer the same and cost the same (one scrypt each). The attempt
   * is counted before the password is checked (login-throttle.ts); past a limit it is refused unchecked.
   */
  async loginWithPassword(email: string, password: string, caller: LinkCaller | null, clientAddress: string): Promise<LoginResult> {
    const subject = normalizeEmail(email);
    const attempt = await this.parts.loginThrottle.take(subject, clientAddress);
    const login = await new PasswordLoginStore(this.parts.database.db).byEmail(subject);
    if (!(await this.parts.passwords.verify(password, login?.passwordHash ?? null)) || !login) {
      throw new Problem('invalid_credentials', 'The email or password is wrong.');
    }
    await attempt.succeeded();
    if (this.parts.emailVerificationRequired && login.emailVerifiedAt === null) {
      throw new Problem(
        'email_not_verified',
        'Confirm your email first with the link we sent (POST /v1/accounts/verify), or ask for a new one after signing in.',
      );
    }
    if (await this.parts.mfa.enabled(login.identityId)) throw await this.parts.mfa.challenge(login.identityId, subject);
    return this.link({ issuer: PASSWORD_ISSUER, subject, provider: 'password', passwordHash: null }, caller, 'existing');
  }

  /** The second step of a password login whose account has a second factor (mfa.ts); links like a login. */
  async loginWithMfa(mfaToken: string, code: string, caller: LinkCaller | null, clientAddress: string): Promise<LoginResult> {
    const { email } = await this.parts.mfa.complete(mfaToken, code, clientAddress);
    return this.link({ issuer: PASSWORD_ISSUER, subject: email, provider: 'password', passwordHash: null }, caller, 'existing');
  }

  hasProvider(name: string): boolean {
    return this.parts.oidc.has(name);
  }

  providerNames(): string[] {
    return ['password', ...this.parts.oidc.names];
  }

  async loginWithIdToken(provider: string, idToken: string, nonce: string | undefined, caller: LinkCaller | null): Promise<LoginResult> {
    const external = await this.parts.oidc.verify(provider, idToken, nonce);
    return this.link({ ...external, passwordHash: null }, caller, 'login');
  }

  /**
   * For the app's own backend (admin API): the identity of one of its user ids, optionally linked
   * to the identity it names, which the backend vouches for (it authenticated its user itself).
   */
  async loginAsDeveloper(developerUserId: string, identityId: string | null): Promise<LoginResult> {
    if (identityId !== null && !(await this.store.find(identityId))) throw notFound(identityId);
    return this.link(
      { issuer: DEVELOPER_ISSUER, subject: developerUserId, provider: 'developer', passwordHash: null },
      identityId === null ? null : { identityId, vouched: true },
      'login',
    );
  }

  /** An authenticated identity with its logins (the identity was read by `authenticate`). */
  async view(identity: Identity): Promise<IdentityView> {
    return { ...identity, logins: await this.logins.get(identity.id, () => this.store.logins(identity.id)) };
  }

  async get(id: string): Promise<IdentityView> {
    const identity = await this.store.find(id);
    if (!identity) throw notFound(id);
    return { ...identity, logins: await this.store.logins(id) };
  }

  async list(limit: number, cursor: string | undefined): Promise<IdentityPage> {
    const page = await this.store.list({ limit: limit + 1, after: cursor === undefined ? undefined : decodeCursor(cursor) });
    const shown = page.slice(0, limit);
    const logins = await this.store.loginsOf(shown.map((identity) => identity.id));
    const last = shown.at(-1);
    return {
      identities: shown.map((identity) => ({ ...identity, logins: logins.get(identity.id) ?? [] })),
      nextCursor: page.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /** Its tokens stop working at once: every request checks the identity's state. Idempotent. */
  async disable(id: string): Promise<IdentityView> {
    await this.get(id);
    await this.store.disable(id, this.clock.now());
    await this.parts.generations.committed('identities');
    return this.get(id);
  }

  /** The identity of a password login's email (admin): a page of one, or none. */
  async findByEmail(email: string): Promise<IdentityPage> {
    const login = await new PasswordLoginStore(this.parts.database.db).byEmail(normalizeEmail(email));
    return { identities: login ? [await this.get(login.identityId)] : [], nextCursor: null };
  }

  /** Ends the password and every session; mails a reset link when mail is configured (accounts.ts). */
  async forcePasswordReset(id: string): Promise<{ identity: IdentityView; mailed: boolean }> {
    await this.get(id);
    const { mailed } = await this.parts.accounts.forcePasswordReset(id);
    return { identity: await this.get(id), mailed };
  }

  /** Removes the identity's second factor (admin). Idempotent. */
  async resetMfa(id: string): Promise<IdentityView> {
    await this.get(id);
    await this.parts.mfa.reset(id);
    return this.get(id);
  }

  async enable(id: string): Promise<IdentityView> {
    await this.get(id);
    await this.store.enable(id);
    await this.parts.generations.committed('identities');
    return this.get(id);
  }

  /** Deletes the identity and, through every data owner, everything it owns: one transaction. */
  async delete(id: string): Promise<void> {
    await this.parts.database.db.transaction().execute(async (trx) => {
      await this.locks.exclude(trx, id);
      for (const owner of this.parts.dataOwners) await owner.deleteData(trx, id);
      await this.parts.mailer.deleteUnsentOf(trx, id);
      await new IdentityStore(trx).delete(id);
    });
    await this.parts.generations.committed('identities');
  }

  publicKeys(): Promise<PublicJwk[]> {
    return this.parts.signingKeys.publicKeys();
  }

  /**
   * Old keys keep verifying for as long as a token they signed can live; with `revokeOld` (the
   * answer to a leaked key) they stop at once, and so do the access tokens they signed: clients
   * get new ones with their refresh tokens.
   */
  rotateSigningKey(options: { readonly revokeOld: boolean }): Promise<Rotation> {
    return this.parts.signingKeys.rotate(options.revokeOld ? 0 : (this.parts.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS) * 1000);
  }

  /** `alongside` writes what must commit with the link (a sign-up's verification message). */
  private async link(
    login: NewLogin,
    caller: LinkCaller | null,
    mode: LinkMode,
    alongside?: (trx: Kysely<Tables>, identityId: string, now: number) => Promise<void>,
  ): Promise<LoginResult> {
    const now = this.clock.now();
    const { outcome, session } = await this.parts.database.db.transaction().execute(async (trx) => {
      const outcome = await this.linker.link(trx, login, caller, mode, now);
      await alongside?.(trx, outcome.identityId, now);
      return { outcome, session: await this.tokens.openSession(trx, outcome.identityId, now, 'login') };
    });
    // Linking adds a login, and may make a guest authenticated or merge it (disabled, sessions revoked).
    await this.parts.generations.committed('identities');
    return { ...(await this.tokens.pair(session)), mergedFrom: outcome.mergedFrom };
  }
}

const notFound = (id: string) =>
  new Problem('not_found', `No identity has the id ${JSON.stringify(id)}. List identities with GET /admin/identities.`);

const encodeCursor = (identity: Identity) => Buffer.from(`${identity.createdAt.getTime()}:${identity.id}`).toString('base64url');

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const match = /^(\d{1,15}):(.{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2])
    throw new Problem('validation_failed', 'querystring.cursor is not a cursor from a previous page. Omit it to start over.');
  return { createdAt: Number(match[1]), id: match[2] };
}
