import type { FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';
import { constantTimeEqual, sha256 } from '../shared/secrets.js';

/**
 * Guards /admin: a bearer token whose hash equals the stored one, compared in constant time. The
 * hash is read per request: a new deployment makes its admin token once it listens, and until
 * then no token is right.
 */
export function adminAuth(adminTokenHash: () => string | undefined) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) throw new Problem('admin_token_required', 'Send the admin token as "Authorization: Bearer <token>".');
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    const hash = adminTokenHash();
    if (!match?.[1] || hash === undefined || !constantTimeEqual(sha256(match[1]), hash)) {
      throw new Problem('admin_token_invalid', 'The admin token is wrong. It was printed on first start or set by SHOEBOX_ADMIN_TOKEN.');
    }
  };
}
