import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { answer } from '../http/schemas.js';
import { JwksSchema } from './schemas.js';
import type { IdentityService } from './service.js';

/**
 * GET /.well-known/jwks.json: the public keys that verify access tokens, for anyone (other
 * services, API gateways) who wants to check them. Short caching, so a rotation shows up quickly.
 */
export function jwksRoute(identities: IdentityService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['identities'],
          operationId: 'getJwks',
          summary: 'Public keys that verify access tokens (JWKS)',
          security: [],
          response: { 200: answer(JwksSchema, 'The public keys in use') },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=60');
        return { keys: await identities.publicKeys() };
      },
    );
  };
}
