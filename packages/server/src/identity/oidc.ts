import { createRemoteJWKSet, type JWTPayload, jwtVerify, type RemoteJWKSet } from 'jose';
import type { OidcProviderConfig } from '../config/config.js';
import { Problem, type ProblemCode } from '../errors.js';
import { constantTimeEqual, sha256 } from '../shared/secrets.js';
import { checkHeader, classifyJoseError, type JwtFailure } from './jwt-checks.js';

/** Asymmetric algorithms only: with a symmetric one, the provider's public key would become an HMAC secret. */
const ID_TOKEN_ALGORITHMS: ReadonlySet<string> = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
/** Providers' clocks and ours may differ a little; ID tokens are consumed once, right after issue. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface ExternalLogin {
  readonly provider: string;
  readonly issuer: string;
  readonly subject: string;
}

interface Provider {
  readonly config: OidcProviderConfig;
  readonly jwks: RemoteJWKSet;
}

/**
 * Verifies ID tokens of the configured OpenID providers. Each provider's JWKS is fetched on first
 * use and cached by jose (refreshed after 10 minutes, or sooner when a token names an unknown
 * key, at most every 30 s), so logins do not hit the provider every time.
 */
export class OidcVerifier {
  private readonly providers: Map<string, Provider>;

  constructor(configs: readonly OidcProviderConfig[]) {
    this.providers = new Map(
      configs.map((config) => [config.name, { config, jwks: createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000 }) }]),
    );
  }

  get names(): string[] {
    return [...this.providers.keys()];
  }

  has(name: string): boolean {
    return this.providers.has(name);
  }

  /**
   * The (issuer, subject) an ID token proves, or a 401 naming what is wrong with it. `nonce` is the
   * raw nonce the app kept when it asked the provider for the token (see checkNonce).
   */
  async verify(name: string, idToken: string, nonce: string | undefined): Promise<ExternalLogin> {
    const provider = this.providers.get(name);
    if (!provider) throw new Problem('provider_unknown', `No login provider is named "${name}".`);
    const { config, jwks } = provider;
    try {
      const { alg } = checkHeader(idToken, ID_TOKEN_ALGORITHMS);
      const { payload } = await jwtVerify(idToken, jwks, {
        algorithms: [alg],
        issuer: config.issuer,
        audience: [...config.audiences],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
        throw new Problem('id_token_malformed', 'The ID token has no usable "sub" claim.');
      }
      checkAuthorizedParty(payload, config);
      checkNonce(payload.nonce, nonce);
      return { provider: config.name, issuer: config.issuer, subject: payload.sub };
    } catch (error) {
      if (error instanceof Problem) throw error;
      const failure = classifyJoseError(error);
      if (failure === undefined) {
        throw new Problem(
          'oidc_provider_unavailable',
          `The keys of "${name}" could not be fetched from its JWKS URL. Retry later; if it persists, check SHOEBOX_OIDC_PROVIDERS.`,
          { headers: { 'retry-after': '30' } },
        );
      }
      const [code, detail] = ID_TOKEN_PROBLEMS[failure];
      throw new Problem(code, detail);
    }
  }
}

/**
 * OpenID Connect Core 3.1.3.7: a token issued to several audiences must name, in `azp`, the client
 * it was issued to, and that client must be this app. (With one audience, `azp` may name another
 * client of the same app, as Google's Android tokens do, and `aud` alone decides.)
 */
function checkAuthorizedParty(payload: JWTPayload, config: OidcProviderConfig): void {
  if (!Array.isArray(payload.aud) || payload.aud.length <= 1) return;
  if (typeof payload.azp !== 'string' || !config.audiences.includes(payload.azp)) {
    throw new Problem(
      'id_token_audience_invalid',
      "The idToken names several audiences, and its authorized party (azp) is not one of this app's client ids.",
    );
  }
}

/**
 * Binds an ID token to the app's own sign-in, so a token stolen elsewhere cannot be replayed while
 * it is valid. The app makes a random raw nonce, gives the provider its SHA-256 in lowercase hex
 * (what Sign in with Apple prescribes) and sends Shoebox the raw one: the token carries only the
 * hash, so its thief cannot produce a matching nonce. A token bound to a nonce is refused without it.
 */
function checkNonce(claim: unknown, raw: string | undefined): void {
  if (claim === undefined && raw === undefined) return;
  if (raw === undefined) {
    throw new Problem('id_token_nonce_invalid', 'The idToken carries a nonce: send the raw nonce it was requested with as "nonce".');
  }
  if (typeof claim !== 'string' || !constantTimeEqual(claim, sha256(raw))) {
    throw new Problem(
      'id_token_nonce_invalid',
      "The idToken's nonce is not the SHA-256 (lowercase hex) of the nonce sent: sign in with the provider again.",
    );
  }
}

const ID_TOKEN_PROBLEMS: Record<JwtFailure, [ProblemCode, string]> = {
  malformed: ['id_token_malformed', 'The idToken is not a well-formed JWT. Send the ID token the provider returned.'],
  type_invalid: ['id_token_malformed', 'The idToken is not an ID token. Send the ID token the provider returned.'],
  unsigned: ['id_token_unsigned', 'The idToken is unsigned (alg "none"); it proves nothing.'],
  algorithm_refused: [
    'id_token_algorithm_refused',
    'The idToken uses an algorithm that is refused; providers sign with RS256, ES256 or EdDSA.',
  ],
  key_unknown: ['id_token_key_unknown', "The idToken names a key that is not in the provider's JWKS. Get a new ID token."],
  signature_invalid: ['id_token_signature_invalid', 'The idToken signature does not verify: it was changed or not signed by the provider.'],
  issuer_invalid: ['id_token_issuer_invalid', 'The idToken was issued by another issuer than this provider. Check the provider name.'],
  audience_invalid: ['id_token_audience_invalid', "The idToken was issued for another client id than this app's."],
  expired: ['id_token_expired', 'The idToken has expired. Sign in with the provider again and send the new ID token.'],
  not_yet_valid: ['id_token_not_yet_valid', "The idToken is not valid yet. Check the device's clock."],
};
