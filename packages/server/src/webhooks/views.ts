import type { Delivery } from './deliveries.js';
import type { Webhook } from './store.js';

/** A webhook as the admin API and CLI show it: never its secrets. */
export const webhookJson = (webhook: Webhook) => ({
  id: webhook.id,
  url: webhook.url,
  events: [...webhook.events],
  description: webhook.description,
  paused: webhook.paused,
  createdAt: webhook.createdAt.toISOString(),
  updatedAt: webhook.updatedAt.toISOString(),
  previousSecretExpiresAt: webhook.previousSecretUntil?.toISOString() ?? null,
});

export const deliveryJson = (delivery: Delivery) => ({
  id: delivery.id,
  seq: delivery.seq,
  type: delivery.type,
  status: delivery.status,
  attempts: delivery.attempts,
  lastStatusCode: delivery.lastStatusCode,
  lastError: delivery.lastError,
  latencyMs: delivery.latencyMs,
  createdAt: delivery.createdAt.toISOString(),
  nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
  finishedAt: delivery.finishedAt?.toISOString() ?? null,
});
