import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../http/caller.js';
import { identityRouteProblems, identitySecurity } from '../identity/bearer-problems.js';
import type { ChangeFeed } from './feed.js';
import { ChangesPageSchema, ChangesQuery } from './schemas.js';

const tags = ['changes'];

/** /v1/changes: the caller's change feed, for offline sync. */
export function changeFeedRoutes(feed: ChangeFeed): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/changes',
      {
        schema: {
          operationId: 'listChanges',
          tags,
          security: identitySecurity,
          summary: 'Your notes and photos changed since a cursor: current versions and tombstones',
          querystring: ChangesQuery,
          response: { 200: ChangesPageSchema, ...identityRouteProblems('validation_failed', 'cursor_expired') },
        },
      },
      async (request) => feed.page(callerOf(request), Number(request.query.since ?? 0), request.query.limit),
    );
  };
}
