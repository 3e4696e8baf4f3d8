import type { Register } from '../http/capability.js';
import type { ApiKeyService } from '../keys/service.js';
import type { Plan } from '../limiter/limiter.js';
import { demoApiKey } from './demo-key.js';
import { demoFolder, demoRoutes } from './routes.js';

export interface DemoRouteServices {
  readonly keys: ApiKeyService;
  /** The plan of the sample app's API key. */
  readonly plan: Plan;
  /** Where the sample app's API key is kept between starts. */
  readonly secretsDir: string;
}

/** The sample app, at /demo/, with an API key of its own. */
export const registerDemo: Register<DemoRouteServices> = (scopes, { keys, plan, secretsDir }) => {
  scopes.public.add(demoRoutes(demoFolder(), demoApiKey(keys, plan, secretsDir)), '/demo');
};
