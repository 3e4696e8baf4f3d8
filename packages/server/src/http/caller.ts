import type { FastifyRequest } from 'fastify';

/**
 * The identity a request acts as, on routes behind the identity guard. A missing identity there is
 * a wiring mistake (the route was registered outside the guarded scope), never a client error.
 */
export function callerOf(request: FastifyRequest): string {
  if (request.identityId === null) throw new Error('route registered without the identity guard');
  return request.identityId;
}
