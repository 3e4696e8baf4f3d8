import type { Config } from '../config/config.js';
import type { CacheGenerations } from '../db/cache-generations.js';
import type { Database } from '../db/database.js';
import type { WindowLimiters } from '../limiter/window-limiters.js';
import type { Mailer } from '../mail/mailer.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { AccessTokens } from './access-tokens.js';
import { AccountMailComposer } from './account-mail.js';
import { AccountService } from './accounts.js';
import type { IdentityDataOwner } from './data-owners.js';
import { GuestThrottle } from './guest-throttle.js';
import { LoginThrottle } from './login-throttle.js';
import { MfaService } from './mfa.js';
import { OidcVerifier } from './oidc.js';
import { PasswordHasher } from './passwords.js';
import { IdentitySecretStore } from './secret-store.js';
import { IdentityService } from './service.js';
import { TokenService } from './sessions.js';
import { SigningKeyStore } from './signing-key-store.js';
import { SigningKeys } from './signing-keys.js';

/** The secret deriving refresh tokens' successors (refresh-tokens.ts). */
const REFRESH_SUCCESSOR_SECRET = 'refresh-successor';
/** The secret deriving the tokens mailed in account messages (account-tokens.ts). */
const ACCOUNT_TOKEN_SECRET = 'account-token';
/** Long enough to open the authenticator app and type a code. */
const MFA_CHALLENGE_TTL_SECONDS = 300;

/**
 * Builds the identity service and makes sure a signing key exists. Access tokens are issued by the
 * public URL; the login and guest throttles count on `limiters` (per process, or Redis); keys,
 * identities and sessions are cached while `generations` says they have not changed. Expiry of
 * tokens, sessions, challenges and mailed links is judged by `clock`.
 */
export async function createIdentityService(
  config: Config,
  database: Database,
  limiters: WindowLimiters,
  dataOwners: readonly IdentityDataOwner[],
  generations: CacheGenerations,
  mailer: Mailer,
  clock: Clock = systemClock,
): Promise<IdentityService> {
  const { identity } = config;
  const secrets = new IdentitySecretStore(database.db);
  const passwords = new PasswordHasher(identity.passwordScryptLogN);
  const loginThrottle = new LoginThrottle(limiters, identity);
  const signingKeys = new SigningKeys(new SigningKeyStore(database.db), generations, clock);
  await signingKeys.ensure();
  const accessTokens = new AccessTokens(
    signingKeys,
    {
      issuer: config.publicUrl,
      audience: identity.tokenAudience,
      ttlSeconds: identity.accessTokenTtlSeconds,
    },
    clock,
  );
  return new IdentityService({
    database,
    tokens: new TokenService(
      database,
      accessTokens,
      {
        refreshTtlSeconds: identity.refreshTokenTtlSeconds,
        refreshRetryWindowSeconds: identity.refreshRetryWindowSeconds,
        successorKey: await secrets.ensure(REFRESH_SUCCESSOR_SECRET, clock.now()),
      },
      generations,
      clock,
    ),
    signingKeys,
    passwords,
    loginThrottle,
    guestThrottle: new GuestThrottle(limiters, identity),
    oidc: new OidcVerifier(identity.oidcProviders),
    dataOwners,
    generations,
    accessTokenTtlSeconds: identity.accessTokenTtlSeconds,
    reauthWindowSeconds: identity.reauthWindowSeconds,
    mailer,
    emailVerificationRequired: identity.emailVerificationRequired,
    clock,
    accounts: new AccountService({ database, passwords, loginThrottle, mailer, generations, clock }),
    mfa: new MfaService({ database, loginThrottle, appName: config.mail.appName, challengeTtlSeconds: MFA_CHALLENGE_TTL_SECONDS, clock }),
    mailComposer: new AccountMailComposer(database.db, mailer, {
      appName: config.mail.appName,
      tokenKey: await secrets.ensure(ACCOUNT_TOKEN_SECRET, clock.now()),
      verifyTokenTtlSeconds: identity.verifyTokenTtlSeconds,
      resetTokenTtlSeconds: identity.resetTokenTtlSeconds,
    }),
  });
}
