import type { Register } from '../http/capability.js';
import { webhookAdminRoutes } from './admin-routes.js';
import type { WebhookService } from './service.js';

export interface WebhookRouteServices {
  readonly webhooks: WebhookService;
}

/** Webhooks are an operator's business: their routes are all under /admin. */
export const registerWebhooks: Register<WebhookRouteServices> = (scopes, { webhooks }) => {
  scopes.admin.add(webhookAdminRoutes(webhooks));
};
