import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { apiKeyOf } from '../http/caller.js';
import { gatewayProblems } from './gateway-problems.js';

/** GET /v1/ping: the cheapest way for an app to check that its key works. */
export const pingRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/ping',
    {
      schema: {
        tags: ['gateway'],
        summary: 'Check an API key',
        security: [{ apiKey: [] }],
        response: { 200: Type.Object({ pong: Type.Boolean(), apiKeyId: Type.String() }), ...gatewayProblems },
      },
    },
    async (request) => ({ pong: true, apiKeyId: apiKeyOf(request) }),
  );
};
