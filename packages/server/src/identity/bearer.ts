import type { FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';
import { MAX_JWT_LENGTH } from './jwt-checks.js';
import type { IdentityService } from './service.js';
import type { Identity } from './store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The identity the bearer access token proves; null on routes without the identity guard. */
    identityId: string | null;
    /** The session (refresh-token family) of that token, for logout. */
    identitySessionId: string | null;
    /** That identity as read while authenticating the request (kind, creation time); null where the route's write checks it. */
    identity: Identity | null;
  }
  interface FastifyContextConfig {
    /**
     * The route's service checks, inside its write, that the identity and session are still live
     * (and answers as this guard would when not): the guard then only verifies the token, sparing
     * the request a database round trip. Such a route must hand `identitySessionId` to its service.
     */
    identityCheckedByWrite?: boolean;
  }
}

const BEARER = /^Bearer[ ]+([\x21-\x7e]+)$/i;

export interface IdentityGuardOptions {
  /** Let requests without an Authorization header through with `identityId` null. A header that is present must still be valid. */
  readonly optional?: boolean;
}

/**
 * The onRequest hook for routes that act as an identity: verifies `Authorization: Bearer <access
 * token>` (signature, issuer, audience, times, type) and, on every request, that the identity and
 * its session are still live, so disabling, deleting or logging out takes effect at once.
 * Register it after the API-key gateway: `app.addHook('onRequest', identityGuard(identities))`.
 */
export function identityGuard(identities: IdentityService, options: IdentityGuardOptions = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      if (options.optional) return;
      throw new Problem('access_token_missing', 'Send the identity access token as "Authorization: Bearer <accessToken>".', {
        headers: { 'www-authenticate': 'Bearer realm="shoebox"' },
      });
    }
    const token = header.length <= MAX_JWT_LENGTH + 16 ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) {
      throw new Problem('access_token_malformed', 'The Authorization header must be "Bearer <accessToken>".', {
        headers: { 'www-authenticate': 'Bearer error="invalid_request"' },
      });
    }
    if (request.routeOptions.config.identityCheckedByWrite) {
      const claims = await identities.verifyAccessToken(token);
      request.identityId = claims.identityId;
      request.identitySessionId = claims.sessionId;
      request.identity = null;
      return;
    }
    const authenticated = await identities.authenticate(token);
    request.identityId = authenticated.identityId;
    request.identitySessionId = authenticated.sessionId;
    request.identity = authenticated.identity;
  };
}
