import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { answer, problemResponses } from '../http/schemas.js';
import type { Plan } from '../limiter/limiter.js';
import { apiKeyJson, mergePlan } from './plans.js';
import { ApiKeySchema, CreatedKeySchema, CreateKeySchema, KeyIdParams, PlanInputSchema } from './schemas.js';
import type { ApiKeyService } from './service.js';

const adminErrors = ['admin_token_required', 'admin_token_invalid'] as const;
const tags = ['admin: API keys'];
const security = [{ adminToken: [] }];

/** Key management for operators, under /admin. */
export function keyAdminRoutes(keys: ApiKeyService, defaultPlan: Plan): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/keys',
      {
        schema: {
          tags,
          security,
          operationId: 'createApiKey',
          summary: 'Create an API key; its secret is in the answer, once',
          body: CreateKeySchema,
          response: {
            201: answer(CreatedKeySchema, 'The key, with its secret'),
            ...problemResponses(...adminErrors, 'validation_failed', 'malformed_body'),
          },
        },
      },
      async (request, reply) => {
        const { apiKey, secret } = await keys.create(request.body.name.trim(), mergePlan(defaultPlan, request.body));
        return reply.status(201).send({ ...apiKeyJson(apiKey), key: secret });
      },
    );

    app.get(
      '/keys',
      {
        schema: {
          tags,
          security,
          operationId: 'listApiKeys',
          summary: 'List API keys (secrets are never shown again)',
          response: {
            200: answer(Type.Object({ keys: Type.Array(ApiKeySchema) }, { title: 'ApiKeyList' }), 'Every key'),
            ...problemResponses(...adminErrors),
          },
        },
      },
      async () => ({ keys: (await keys.list()).map(apiKeyJson) }),
    );

    app.get(
      '/keys/:id',
      {
        schema: {
          tags,
          security,
          operationId: 'getApiKey',
          summary: "A key with this period's quota usage",
          params: KeyIdParams,
          response: { 200: answer(ApiKeySchema, 'The key'), ...problemResponses(...adminErrors, 'not_found') },
        },
      },
      async (request) => {
        const { apiKey, usage } = await keys.get(request.params.id);
        return { ...apiKeyJson(apiKey), usage: usage && { ...usage, resetsAt: usage.resetsAt.toISOString() } };
      },
    );

    app.patch(
      '/keys/:id',
      {
        schema: {
          tags,
          security,
          operationId: 'updateApiKey',
          summary: "Change a key's usage plan",
          params: KeyIdParams,
          body: PlanInputSchema,
          response: {
            200: answer(ApiKeySchema, 'The key with its new plan'),
            ...problemResponses(...adminErrors, 'not_found', 'validation_failed', 'malformed_body'),
          },
        },
      },
      async (request) => {
        const { apiKey } = await keys.get(request.params.id);
        return apiKeyJson(await keys.setPlan(apiKey.id, mergePlan(apiKey.plan, request.body)));
      },
    );

    app.delete(
      '/keys/:id',
      {
        schema: {
          tags,
          security,
          operationId: 'revokeApiKey',
          summary: 'Revoke a key; it stops working within one second',
          params: KeyIdParams,
          response: { 200: answer(ApiKeySchema, 'The key, revoked'), ...problemResponses(...adminErrors, 'not_found') },
        },
      },
      async (request) => apiKeyJson(await keys.revoke(request.params.id)),
    );
  };
}
