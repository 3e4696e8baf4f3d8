import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { apiKeyOf } from '../http/caller.js';
import { answer } from '../http/schemas.js';
import { gatewayProblems } from './gateway-problems.js';

/** GET /v1/ping: the cheapest way for an app to check that its key works. */
export const pingRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ping',
    {
      schema: {
        tags: ['gateway'],
        operationId: 'ping',
        summary: 'Check an API key',
        security: [{ apiKey: [] }],
        response: {
          200: answer(Type.Object({ pong: Type.Boolean(), apiKeyId: Type.String() }, { title: 'Pong' }), 'The key works'),
          ...gatewayProblems,
        },
      },
    },
    async (request) => ({ pong: true, apiKeyId: apiKeyOf(request) }),
  );
};
