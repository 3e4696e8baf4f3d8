import { createHmac } from 'node:crypto';
import { Problem } from '../errors.js';
import { newSecret, sha256 } from '../shared/secrets.js';

export const REFRESH_TOKEN_PREFIX = 'sbr';
const REFRESH_TOKEN_SHAPE = /^sbr_[A-Za-z0-9_-]{43}$/;
const LOOKS_LIKE_JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** A new opaque refresh token and the hash that is stored in its place. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = newSecret(REFRESH_TOKEN_PREFIX);
  return { token, hash: sha256(token) };
}

/**
 * The refresh token that follows `token` in its session: derived rather than random, so a client
 * retrying a refresh whose answer it lost can be given the same one again without it ever being
 * stored. Only the server's `key` (256 bits) makes it unpredictable from `token`.
 */
export function successorRefreshToken(key: Buffer, token: string): { token: string; hash: string } {
  const successor = `${REFRESH_TOKEN_PREFIX}_${createHmac('sha256', key).update(token).digest('base64url')}`;
  return { token: successor, hash: sha256(successor) };
}

/** The stored hash of a presented refresh token, or a 401 when it cannot be one. */
export function refreshTokenHash(token: string): string {
  if (LOOKS_LIKE_JWT.test(token)) {
    throw new Problem('refresh_token_is_access_token', 'This is an access token. Send the refreshToken you received with it.');
  }
  if (!REFRESH_TOKEN_SHAPE.test(token)) {
    throw new Problem('refresh_token_invalid', 'This is not a Shoebox refresh token: they start with "sbr_". Log in again.');
  }
  return sha256(token);
}
