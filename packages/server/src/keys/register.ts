import type { Register, ScopeGuard } from '../http/capability.js';
import type { Plan } from '../limiter/limiter.js';
import type { PlanLimiter } from '../limiter/plan-limiter.js';
import { keyAdminRoutes } from './admin-routes.js';
import { type BatchUsage, batchUsage } from './batch-usage.js';
import { apiGateway } from './gateway.js';
import { pingRoute } from './ping-route.js';
import type { ApiKeyService } from './service.js';

export interface KeyRouteServices {
  readonly keys: ApiKeyService;
  /** The plan of keys created without one. */
  readonly defaultPlan: Plan;
}

/** API keys: their administration under /admin, and the ping an app checks its key with. */
export const registerKeys: Register<KeyRouteServices> = (scopes, { keys, defaultPlan }) => {
  scopes.admin.add(keyAdminRoutes(keys, defaultPlan));
  scopes.apiKey.add(pingRoute);
};

/** What the API gateway gives the assembly: the guard of /v1, and how a batch counts the calls it stands for. */
export interface KeyGateway {
  readonly guard: ScopeGuard;
  readonly batchUsage: BatchUsage;
}

export function keyGateway(keys: ApiKeyService, limiter: PlanLimiter): KeyGateway {
  const gateway = apiGateway(keys, limiter);
  return {
    guard: (scope) => scope.addHook('onRequest', gateway),
    batchUsage: batchUsage(keys, limiter),
  };
}
