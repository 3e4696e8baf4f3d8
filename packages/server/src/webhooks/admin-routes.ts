import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { answer, problemResponses } from '../http/schemas.js';
import {
  CreatedWebhookSchema,
  CreateWebhookSchema,
  DeliveryParams,
  DeliveryQuery,
  DeliverySchema,
  RedriveSchema,
  RotateSecretSchema,
  UpdateWebhookSchema,
  WebhookIdParams,
  WebhookSchema,
} from './schemas.js';
import type { WebhookService } from './service.js';
import { deliveryJson, webhookJson } from './views.js';

const adminErrors = ['admin_token_required', 'admin_token_invalid'] as const;
const bodyErrors = ['validation_failed', 'malformed_body'] as const;
const tags = ['admin: webhooks'];
const security = [{ adminToken: [] }];

/** Webhook management for operators, under /admin. */
export function webhookAdminRoutes(webhooks: WebhookService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/webhooks',
      {
        schema: {
          operationId: 'createWebhook',
          tags,
          security,
          summary: 'Register a webhook; its signing secret is in the answer, once',
          body: CreateWebhookSchema,
          response: {
            201: answer(CreatedWebhookSchema, 'The webhook and its signing secret, shown once'),
            ...problemResponses(...adminErrors, ...bodyErrors, 'conflict'),
          },
        },
      },
      async (request, reply) => {
        const { webhook, secret } = await webhooks.create(request.body);
        return reply.status(201).send({ ...webhookJson(webhook), secret });
      },
    );

    app.get(
      '/webhooks',
      {
        schema: {
          operationId: 'listWebhooks',
          tags,
          security,
          summary: 'List webhooks (secrets are never shown again)',
          response: {
            200: answer(Type.Object({ webhooks: Type.Array(WebhookSchema) }), 'Every webhook'),
            ...problemResponses(...adminErrors),
          },
        },
      },
      async () => ({ webhooks: (await webhooks.list()).map(webhookJson) }),
    );

    app.get(
      '/webhooks/:id',
      {
        schema: {
          operationId: 'getWebhook',
          tags,
          security,
          summary: 'One webhook',
          params: WebhookIdParams,
          response: { 200: answer(WebhookSchema, 'The webhook'), ...problemResponses(...adminErrors, 'validation_failed', 'not_found') },
        },
      },
      async (request) => webhookJson(await webhooks.get(request.params.id)),
    );

    app.patch(
      '/webhooks/:id',
      {
        schema: {
          operationId: 'updateWebhook',
          tags,
          security,
          summary: 'Change the URL, events or description, or pause and resume',
          params: WebhookIdParams,
          body: UpdateWebhookSchema,
          response: { 200: answer(WebhookSchema, 'The webhook, changed'), ...problemResponses(...adminErrors, ...bodyErrors, 'not_found') },
        },
      },
      async (request) => webhookJson(await webhooks.update(request.params.id, request.body)),
    );

    app.delete(
      '/webhooks/:id',
      {
        schema: {
          operationId: 'deleteWebhook',
          tags,
          security,
          summary: 'Remove a webhook with its queued deliveries and log',
          params: WebhookIdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(...adminErrors, 'validation_failed', 'not_found') },
        },
      },
      async (request, reply) => {
        await webhooks.delete(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/webhooks/:id/rotate-secret',
      {
        schema: {
          operationId: 'rotateWebhookSecret',
          tags,
          security,
          summary: 'Make a new signing secret; the old one signs too during the grace period',
          params: WebhookIdParams,
          body: Type.Optional(RotateSecretSchema),
          response: {
            200: answer(CreatedWebhookSchema, 'The webhook and its new secret, shown once'),
            ...problemResponses(...adminErrors, ...bodyErrors, 'not_found'),
          },
        },
      },
      async (request) => {
        const { webhook, secret } = await webhooks.rotateSecret(request.params.id, request.body?.graceSeconds ?? 86_400);
        return { ...webhookJson(webhook), secret };
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          operationId: 'listWebhookDeliveries',
          tags,
          security,
          summary: "The webhook's delivery log, newest first: status, attempts, latency",
          params: WebhookIdParams,
          querystring: DeliveryQuery,
          response: {
            200: answer(Type.Object({ deliveries: Type.Array(DeliverySchema) }), 'The delivery log, newest first'),
            ...problemResponses(...adminErrors, 'validation_failed', 'not_found'),
          },
        },
      },
      async (request) => ({ deliveries: (await webhooks.deliveries(request.params.id, request.query)).map(deliveryJson) }),
    );

    app.post(
      '/webhooks/:id/deliveries/redrive',
      {
        schema: {
          operationId: 'redriveWebhookDeliveries',
          tags,
          security,
          summary: 'Send every dead letter of the webhook again, with a fresh retry period',
          params: WebhookIdParams,
          response: {
            200: answer(RedriveSchema, 'How many dead letters were queued again'),
            ...problemResponses(...adminErrors, 'validation_failed', 'not_found'),
          },
        },
      },
      async (request) => ({ redriven: await webhooks.redrive(request.params.id) }),
    );

    app.post(
      '/webhooks/:id/deliveries/:deliveryId/redrive',
      {
        schema: {
          operationId: 'redriveWebhookDelivery',
          tags,
          security,
          summary: 'Send one dead letter again, with a fresh retry period',
          params: DeliveryParams,
          response: {
            200: answer(RedriveSchema, 'How many dead letters were queued again'),
            ...problemResponses(...adminErrors, 'validation_failed', 'not_found'),
          },
        },
      },
      async (request) => ({ redriven: await webhooks.redrive(request.params.id, request.params.deliveryId) }),
    );
  };
}
