import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Database } from '../db/database.js';
import { Problem } from '../errors.js';
import { problemResponses } from './schemas.js';

const Status = Type.Object({ status: Type.String() });

/** Liveness answers while the process runs; readiness only while the database answers too. */
export function healthRoutes(app: FastifyInstance, database: Database): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The database is reachable',
        response: { 200: Status, ...problemResponses('unavailable') },
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
