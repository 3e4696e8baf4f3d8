import { decodeProtectedHeader, errors } from 'jose';

/**
 * What can be wrong with a presented JWT, shared by access tokens and OIDC ID tokens. Each maps
 * to its own problem code per token kind, so a client can tell "refresh" from "log in again".
 */
export type JwtFailure =
  | 'malformed'
  | 'unsigned'
  | 'algorithm_refused'
  | 'key_unknown'
  | 'signature_invalid'
  | 'issuer_invalid'
  | 'audience_invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'type_invalid';

export class JwtRejected extends Error {
  constructor(readonly failure: JwtFailure) {
    super(failure);
  }
}

/** Compact JWS: three base64url segments. Longer tokens are refused before any decoding work. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
export const MAX_JWT_LENGTH = 8192;

/**
 * Reads the protected header without trusting it, and refuses what must never be verified:
 * `alg: none` and any algorithm outside `allowed` (symmetric ones above all, which would let a
 * public key act as an HMAC secret). Signature and claims are checked afterwards by jose.
 */
export function checkHeader(token: string, allowed: ReadonlySet<string>): { alg: string; kid: string | undefined } {
  if (token.length > MAX_JWT_LENGTH || !COMPACT_JWS.test(token)) throw new JwtRejected('malformed');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new JwtRejected('malformed');
  }
  const alg = header.alg;
  if (typeof alg !== 'string') throw new JwtRejected('malformed');
  if (alg.toLowerCase() === 'none') throw new JwtRejected('unsigned');
  if (!allowed.has(alg)) throw new JwtRejected('algorithm_refused');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new JwtRejected('malformed');
  return { alg, kid: header.kid };
}

/** The failure a jose verification error stands for, or undefined when it is not about the token (an outage). */
export function classifyJoseError(error: unknown): JwtFailure | undefined {
  if (error instanceof JwtRejected) return error.failure;
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'issuer_invalid';
      case 'aud':
        return 'audience_invalid';
      case 'nbf':
      case 'iat':
        return error.reason === 'check_failed' ? 'not_yet_valid' : 'malformed';
      case 'typ':
        return 'type_invalid';
      default:
        return 'malformed';
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature_invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_refused';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'key_unknown';
  if (error instanceof errors.JOSENotSupported) return 'algorithm_refused';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  return undefined;
}
