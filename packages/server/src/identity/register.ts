import type { GuestPolicyConfig } from '../config/guest-policy.js';
import type { Register, ScopeGuard } from '../http/capability.js';
import { identityAdminRoutes } from './admin-routes.js';
import { identityGuard } from './bearer.js';
import { documentGuestPolicy, guestPolicy, type LiveNoteCount } from './guest-policy.js';
import { jwksRoute } from './jwks-route.js';
import { identityRoutes } from './routes.js';
import type { IdentityService } from './service.js';

export interface IdentityRouteServices {
  readonly identities: IdentityService;
}

/** Identities: the public keys of their tokens, their administration under /admin, and sign-up, logins and tokens under /v1. */
export const registerIdentity: Register<IdentityRouteServices> = (scopes, { identities }) => {
  scopes.public.add(jwksRoute(identities));
  scopes.admin.add(identityAdminRoutes(identities));
  scopes.apiKey.add(identityRoutes(identities));
};

/**
 * The guard of the routes that act as an identity: a live bearer access token, then the guest
 * policy (which the document names on each route it covers). `liveNotes` counts a guest's notes.
 */
export function identifiedGuard(identities: IdentityService, guests: GuestPolicyConfig, liveNotes: LiveNoteCount): ScopeGuard {
  return (scope) => {
    scope.addHook('onRequest', identityGuard(identities));
    scope.addHook('preHandler', guestPolicy(guests, identities, liveNotes));
    scope.addHook('onRoute', documentGuestPolicy);
  };
}
