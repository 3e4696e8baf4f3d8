import type { FastifyRequest, RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { GUEST_ACTIONS, type GuestAction, type GuestPolicyConfig } from '../config/guest-policy.js';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import type { IdentityService } from './service.js';

/** The action of a /v1 route acting as an identity, from its route pattern and method. */
export function actionOf(method: string, url: string): GuestAction | undefined {
  const reads = method === 'GET' || method === 'HEAD';
  if (url.startsWith('/v1/notes')) return reads ? 'notes:read' : 'notes:write';
  if (url.startsWith('/v1/photos')) return reads ? 'photos:read' : 'photos:write';
  if (url.startsWith('/v1/search')) return 'search';
  return undefined;
}

/** Answers how many live notes an identity keeps (the notes capability's count). */
export type LiveNoteCount = (ownerId: string) => Promise<number>;

/**
 * The preHandler of the routes that act as an identity: a guest asking for what the policy does
 * not allow gets 403 guest_not_allowed, which tells the app to sign the user up. The note cap is
 * checked here, before the write: concurrent creates of one guest can pass it by the few in flight.
 * Does nothing when guests may do everything (the default).
 */
export function guestPolicy(config: GuestPolicyConfig, identities: IdentityService, liveNotes: LiveNoteCount) {
  const unrestricted = config.allow.length === GUEST_ACTIONS.length && config.maxNotes === 0;
  return async (request: FastifyRequest): Promise<void> => {
    if (unrestricted || request.identityId === null || request.identitySessionId === null) return;
    const action = actionOf(request.method, request.routeOptions.url ?? '');
    if (action === undefined) return;
    // Routes whose write checks liveness read no identity; the state cache answers this (sessions.ts).
    const identity = request.identity ?? (await identities.liveIdentity(request.identityId, request.identitySessionId));
    if (identity.kind !== 'guest') return;
    if (!config.allow.includes(action)) {
      throw new Problem('guest_not_allowed', `Guests may not do this (${action}). Sign up or log in (POST /v1/accounts) to go on.`, {
        extensions: { action },
      });
    }
    if (action === 'notes:write' && request.method === 'POST' && config.maxNotes > 0) {
      const adding = Array.isArray((request.body as { notes?: unknown } | undefined)?.notes)
        ? (request.body as { notes: unknown[] }).notes.length
        : 1;
      if ((await liveNotes(request.identityId)) + adding > config.maxNotes) {
        throw new Problem(
          'guest_not_allowed',
          `Guests may keep ${config.maxNotes} notes. Sign up or log in (POST /v1/accounts) to keep more.`,
          { extensions: { action, maxNotes: config.maxNotes } },
        );
      }
    }
  };
}

/**
 * The onRoute hook that adds guest_not_allowed to the documented 403 of each route the policy
 * covers, so the OpenAPI document names it where it can happen. Register before those routes.
 */
export function documentGuestPolicy(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const responses = route.schema?.response as Record<string, { description?: string }> | undefined;
  const forbidden = responses?.['403'];
  if (!responses || !forbidden || !methods.some((method) => actionOf(method, route.url) !== undefined)) return;
  responses['403'] = { ...forbidden, description: `${forbidden.description ?? 'Problem'}, guest_not_allowed` };
}

/** The photo quota of `ownerId`: the guests' when it is a guest. Read on the quota's transaction when given. */
export function identityPhotoQuota(db: Kysely<Tables>, accountBytes: number, guestBytes: number) {
  return async (ownerId: string, trx: Kysely<Tables> | undefined): Promise<number> => {
    if (accountBytes === guestBytes) return accountBytes;
    const row = await (trx ?? db).selectFrom('identities').select('kind').where('id', '=', ownerId).executeTakeFirst();
    return row?.kind === 'guest' ? guestBytes : accountBytes;
  };
}
