import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../http/caller.js';
import { answer } from '../http/schemas.js';
import { identityRouteProblems, identitySecurity } from '../identity/bearer-problems.js';
import { SearchQuerySchema, SearchResultSchema, SuggestQuerySchema, SuggestResultSchema } from './schemas.js';
import type { SearchService } from './service.js';

const tags = ['search'];

/** /v1/search: full-text search over the caller's notes (or everyone's public notes). */
export function searchRoutes(search: SearchService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/search',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'searchNotes',
          summary: 'Search your notes, or public notes with scope=public',
          querystring: SearchQuerySchema,
          response: {
            200: answer(SearchResultSchema, 'A page of matching notes, best first'),
            ...identityRouteProblems('validation_failed'),
          },
        },
      },
      async (request) => {
        const { hits, nextCursor } = await search.search(callerOf(request), request.query);
        return { hits: hits.map((hit) => ({ ...hit, updatedAt: hit.updatedAt.toISOString() })), nextCursor };
      },
    );

    app.get(
      '/search/suggest',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'suggest',
          summary: 'Complete what the user typed from their own notes',
          querystring: SuggestQuerySchema,
          response: { 200: answer(SuggestResultSchema, 'Completions, best first'), ...identityRouteProblems('validation_failed') },
        },
      },
      async (request) => ({ suggestions: await search.suggest(callerOf(request), request.query.q) }),
    );
  };
}
