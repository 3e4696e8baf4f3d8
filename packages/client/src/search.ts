import type { IdentityCalls } from './api.js';
import { type Pages, pages } from './pages.js';
import type { SearchHit, Suggestion } from './types.js';

export interface SearchOptions {
  /** `mine` (default): the identity's notes; `public`: everyone's public notes. */
  readonly scope?: 'mine' | 'public';
  /** Hits per page (1–50, default 10). */
  readonly limit?: number;
}

/** Full-text search, best first; each hit's `highlights` are HTML-escaped with matches in `<mark>`. */
export const search =
  (calls: IdentityCalls) =>
  (q: string, options: SearchOptions = {}): Pages<SearchHit> =>
    pages(async (cursor) => {
      const page = await calls.body<{ hits: SearchHit[]; nextCursor: string | null }>({
        method: 'GET',
        path: '/v1/search',
        query: { q, scope: options.scope, limit: options.limit, cursor },
      });
      return { items: page.hits, nextCursor: page.nextCursor };
    });

/** Completions of what the user typed so far, from the identity's notes. */
export const suggest =
  (calls: IdentityCalls) =>
  async (prefix: string): Promise<Suggestion[]> =>
    (await calls.body<{ suggestions: Suggestion[] }>({ method: 'GET', path: '/v1/search/suggest', query: { q: prefix } })).suggestions;
