import type { Plan } from '../limiter/limiter.js';
import type { PlanInput } from './schemas.js';
import type { ApiKey } from './store.js';

/** Applies a (partial) plan change: omitted parts keep their value, `quota: null` removes the quota. */
export const mergePlan = (base: Plan, input: PlanInput): Plan => ({
  rate: input.rateLimit?.rate ?? base.rate,
  burst: input.rateLimit?.burst ?? base.burst,
  quota: input.quota === undefined ? base.quota : input.quota,
});

/** The public JSON shape of a key, shared by the admin API and `shoebox keys --json`. */
export const apiKeyJson = (key: ApiKey) => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  rateLimit: { rate: key.plan.rate, burst: key.plan.burst },
  quota: key.plan.quota,
  createdAt: key.createdAt.toISOString(),
  revokedAt: key.revokedAt?.toISOString() ?? null,
});
