import type { FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';

/**
 * The identity a request acts as, on routes behind the identity guard. A missing identity there is
 * a wiring mistake (the route was registered outside the guarded scope), never a client error.
 */
export function callerOf(request: FastifyRequest): string {
  if (request.identityId === null) throw new Problem('internal', 'This route was registered without the identity guard.');
  return request.identityId;
}

/** The API key a request came with, on routes behind the API gateway; its absence is a wiring mistake too. */
export function apiKeyOf(request: FastifyRequest): string {
  if (request.apiKeyId === null) throw new Problem('internal', 'This route was registered without the API gateway.');
  return request.apiKeyId;
}
