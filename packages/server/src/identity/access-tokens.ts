import { sign } from 'node:crypto';
import { jwtVerify } from 'jose';
import { Problem, type ProblemCode } from '../errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId } from '../shared/secrets.js';
import { checkHeader, classifyJoseError, type JwtFailure, JwtRejected } from './jwt-checks.js';
import { REFRESH_TOKEN_PREFIX } from './refresh-tokens.js';
import { ACCEPTED_ALGORITHMS, SIGNING_ALGORITHM, type SigningKeys } from './signing-keys.js';

/** RFC 9068: access tokens say what they are, so an ID token or other JWT of ours is never taken for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Tolerated clock difference between the API processes that sign and verify. */
export const CLOCK_TOLERANCE_SECONDS = 5;
const CACHE_MAX_ENTRIES = 10_000;

export interface AccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

export interface AccessClaims {
  readonly identityId: string;
  readonly sessionId: string;
}

interface Verified extends AccessClaims {
  /** The key that signed it: checked again at every use, so a revoked or expired key stops its tokens too. */
  readonly kid: string;
  readonly notBefore: number;
  readonly expiresAt: number;
}

/**
 * Short-lived JWT access tokens. A verified token is remembered until it expires, so repeated
 * requests pay for the signature once; its signing key's window is checked at every use, and the
 * identity's state is not cached here (see bearer.ts).
 */
export class AccessTokens {
  private readonly verified = new Map<string, Verified>();

  constructor(
    private readonly keys: SigningKeys,
    private readonly options: AccessTokenOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /**
   * Signs with node:crypto rather than jose: jose signs through WebCrypto, whose asynchronous job
   * costs two to three times the Ed25519 signature itself, on every token issued. A compact JWS is
   * three base64url segments; verification, where mistakes would matter, stays with jose.
   */
  async issue(claims: AccessClaims & { readonly emailVerified: boolean }): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    const now = Math.floor(this.clock.now() / 1000);
    const header = base64url({ alg: SIGNING_ALGORITHM, kid, typ: ACCESS_TOKEN_TYPE });
    const payload = base64url({
      sid: claims.sessionId,
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: claims.identityId,
      // OIDC's claim name: whether the identity's email login has a proven address.
      email_verified: claims.emailVerified,
      jti: newId('at'),
      iat: now,
      nbf: now,
      exp: now + this.options.ttlSeconds,
    });
    const signingInput = `${header}.${payload}`;
    // Ed25519 hashes the message itself: no digest is named.
    return `${signingInput}.${sign(null, Buffer.from(signingInput), key).toString('base64url')}`;
  }

  /** The claims of a valid access token, or a 401 problem naming exactly what is wrong with it. */
  async verify(token: string): Promise<AccessClaims> {
    const now = this.clock.now() / 1000;
    const known = this.verified.get(token);
    if (known) {
      if (now >= known.expiresAt + CLOCK_TOLERANCE_SECONDS) throw accessTokenProblem('expired');
      if (now < known.notBefore - CLOCK_TOLERANCE_SECONDS) throw accessTokenProblem('not_yet_valid');
      if (!(await this.keys.verificationKey(known.kid))) throw accessTokenProblem('key_unknown');
      return known;
    }
    if (token.startsWith(`${REFRESH_TOKEN_PREFIX}_`)) {
      throw new Problem(
        'access_token_is_refresh_token',
        'This is a refresh token. Exchange it at POST /v1/identities/refresh and send the access token you get.',
        { headers: INVALID_TOKEN },
      );
    }
    try {
      const { alg, kid } = checkHeader(token, ACCEPTED_ALGORITHMS);
      if (kid === undefined) throw new JwtRejected('key_unknown');
      const key = await this.keys.verificationKey(kid);
      if (!key) throw new JwtRejected('key_unknown');
      const { payload } = await jwtVerify(token, key, {
        algorithms: [alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(this.clock.now()),
        maxTokenAge: this.options.ttlSeconds,
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
        throw new JwtRejected('malformed');
      }
      const verified = { identityId: payload.sub, sessionId: payload.sid, kid, expiresAt: payload.exp, notBefore: payload.nbf ?? 0 };
      this.remember(token, verified);
      return verified;
    } catch (error) {
      const failure = classifyJoseError(error);
      if (failure === undefined) throw error;
      throw accessTokenProblem(failure);
    }
  }

  private remember(token: string, verified: Verified): void {
    if (this.verified.size >= CACHE_MAX_ENTRIES) {
      const now = this.clock.now() / 1000;
      for (const [cached, entry] of this.verified) if (entry.expiresAt + CLOCK_TOLERANCE_SECONDS <= now) this.verified.delete(cached);
      // Still full of live tokens: drop the oldest (Maps iterate in insertion order).
      if (this.verified.size >= CACHE_MAX_ENTRIES) this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, verified);
  }
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const ACCESS_PROBLEMS: Record<JwtFailure, [ProblemCode, string]> = {
  malformed: ['access_token_malformed', 'The bearer token is not a Shoebox access token. Send the accessToken you received.'],
  unsigned: ['access_token_unsigned', 'The token is unsigned (alg "none"). Send the accessToken you received.'],
  algorithm_refused: [
    'access_token_algorithm_refused',
    'The token is signed with an algorithm this server does not use. Send the accessToken you received.',
  ],
  key_unknown: [
    'access_token_key_unknown',
    'The token names a signing key this server does not publish at /.well-known/jwks.json. Log in again.',
  ],
  signature_invalid: [
    'access_token_signature_invalid',
    'The token signature does not verify: it was changed or signed by someone else. Log in again.',
  ],
  issuer_invalid: [
    'access_token_issuer_invalid',
    'The token was issued by another server, or for another public URL. Get a token from this server (every process behind one URL must share SHOEBOX_PUBLIC_URL).',
  ],
  audience_invalid: ['access_token_audience_invalid', 'The token is meant for another audience. Get a token from this server.'],
  expired: ['access_token_expired', 'The access token has expired. Get a new one with POST /v1/identities/refresh.'],
  not_yet_valid: ['access_token_not_yet_valid', "The token is not valid yet. Check the device's clock."],
  type_invalid: [
    'access_token_type_invalid',
    'The token is a JWT but not an access token (typ at+jwt). Send the accessToken you received.',
  ],
};

/** RFC 6750: tell bearer clients the token is the problem. */
const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' };

const accessTokenProblem = (failure: JwtFailure) => {
  const [code, detail] = ACCESS_PROBLEMS[failure];
  return new Problem(code, detail, { headers: INVALID_TOKEN });
};
