import { decodeCursor, encodeCursor, queryFingerprint } from './cursor.js';
import { MARK_END, MARK_START, type SearchHit, type SearchIndex, type SearchScope } from './index.js';
import { type LiveNotes, searchLive } from './live-search.js';
import { PREFIX_MIN_LENGTH, parseQuery } from './query.js';
import { suggestionsFrom } from './suggest.js';

export type ScopeName = 'mine' | 'public';

export interface SearchRequest {
  readonly q: string;
  readonly limit: number;
  readonly cursor?: string;
  readonly scope: ScopeName;
}

/** A hit as the caller sees it: never its owner, whose id a public hit must not give away. */
export interface RenderedHit extends Omit<SearchHit, 'marked' | 'ownerId' | 'version'> {
  /** HTML-escaped text with matches wrapped in <mark></mark>: safe to insert as HTML. */
  readonly highlights: { readonly headline: string; readonly text: string };
}

export interface Suggestion {
  readonly kind: 'term' | 'headline';
  readonly value: string;
}

const SUGGEST_CANDIDATES = 50;
export const SUGGEST_LIMIT = 10;

/**
 * Search over the index for one identity: its own notes, or public notes of everyone. Every hit is
 * checked against the notes table first (live-search.ts), so a lagging index shows nothing the
 * table no longer allows.
 */
export class SearchService {
  constructor(
    private readonly index: SearchIndex,
    private readonly notes: LiveNotes,
  ) {}

  async search(identityId: string, request: SearchRequest): Promise<{ hits: RenderedHit[]; nextCursor: string | null }> {
    const query = parseQuery(request.q);
    const fingerprint = queryFingerprint(request.scope, request.q);
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, fingerprint);
    const page = await searchLive(this.index, this.notes, query, scopeOf(identityId, request.scope), { limit: request.limit, after });
    return {
      hits: page.hits.map(({ marked, ownerId, version, ...hit }) => ({
        ...hit,
        highlights: { headline: toHtml(marked.headline), text: toHtml(marked.text) },
      })),
      nextCursor: page.next ? encodeCursor(page.next, fingerprint) : null,
    };
  }

  /** Completes the last word of `q` from the caller's own notes: matching terms first, then headlines. */
  async suggest(identityId: string, q: string): Promise<Suggestion[]> {
    const words = q.trimEnd();
    const completes = new RegExp(`[\\p{L}\\p{N}]{${PREFIX_MIN_LENGTH}}$`, 'u').test(words);
    const query = parseQuery(completes ? `${words}*` : words);
    const { hits } = await searchLive(this.index, this.notes, query, { kind: 'owner', ownerId: identityId }, { limit: SUGGEST_CANDIDATES });
    return suggestionsFrom(words, hits, SUGGEST_LIMIT);
  }
}

const scopeOf = (identityId: string, scope: ScopeName): SearchScope =>
  scope === 'public' ? { kind: 'public' } : { kind: 'owner', ownerId: identityId };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function toHtml(marked: string): string {
  return marked
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
    .replaceAll(MARK_START, '<mark>')
    .replaceAll(MARK_END, '</mark>');
}
