import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../db/database.js';
import { Problem } from '../errors.js';
import { answer, problemResponses } from './schemas.js';

const Status = Type.Object({ status: Type.String() }, { title: 'HealthStatus' });

/** Liveness answers while the process runs; readiness only while the database answers too. */
export function healthRoutes(app: FastifyInstance, database: Database): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getLiveness',
        security: [],
        summary: 'The process is alive',
        response: { 200: answer(Status, 'Alive') },
      },
    },
    async () => ({
      status: 'ok',
    }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        security: [],
        summary: 'The database is reachable',
        response: { 200: answer(Status, 'Ready to serve'), ...problemResponses('unavailable') },
      },
    },
    async () => {
      try {
        await database.ping();
      } catch {
        throw new Problem('unavailable', 'The database does not answer.');
      }
      return { status: 'ready' };
    },
  );
}
