import { keyOf, type NoteKey, type SearchHit, type SearchIndex, type SearchPage, type SearchPosition, type SearchScope } from './index.js';
import type { SearchQuery } from './query.js';

/** A live note as the notes table holds it now. */
export interface NoteState {
  readonly version: number;
  readonly visibility: 'private' | 'public';
}

/** The notes table as search checks its hits against it (notes/index-source.ts). */
export interface LiveNotes {
  /** The live notes among `keys`, by keyOf: deleted and missing ones are absent. One indexed query. */
  live(keys: readonly NoteKey[]): Promise<Map<string, NoteState>>;
}

/**
 * Hits a page may drop while it fills itself; past them it answers short, its cursor going on.
 * Drops happen only while the index lags, so this bounds the index reads of one page (each read
 * keeps a hit or drops one) in the rare case of a long backlog of private or deleted notes.
 */
const MAX_DROPPED_PER_PAGE = 64;

/**
 * Searches the index and keeps only the hits the notes table still allows, since the index lags
 * the table while a change waits for a retry, sits in the dead-letter table, or no worker runs.
 * A public hit must be a live note that is public now, at the very version the index holds (a
 * note made private and public again with its words changed must not show its old words); one of
 * the caller's own only has to be live. A page checks its hits in one query, reads on after its
 * last hit (dropped ones included) to fill itself, and ends where it read last, so paging goes on
 * from there: every remaining hit shows exactly once.
 */
export async function searchLive(
  index: SearchIndex,
  notes: LiveNotes,
  query: SearchQuery,
  scope: SearchScope,
  page: { readonly limit: number; readonly after?: SearchPosition },
): Promise<SearchPage> {
  const hits: SearchHit[] = [];
  let dropped = 0;
  let after = page.after;
  for (;;) {
    const found = await index.search(query, scope, { limit: page.limit - hits.length, after });
    const allowed = await stillAllowed(notes, scope, found.hits);
    hits.push(...allowed);
    dropped += found.hits.length - allowed.length;
    if (!found.next || hits.length >= page.limit || dropped >= MAX_DROPPED_PER_PAGE) return { hits, next: found.next };
    after = found.next;
  }
}

async function stillAllowed(notes: LiveNotes, scope: SearchScope, hits: readonly SearchHit[]): Promise<SearchHit[]> {
  if (hits.length === 0) return [];
  const live = await notes.live(hits);
  return hits.filter((hit) => {
    const state = live.get(keyOf(hit));
    if (!state) return false;
    return scope.kind === 'owner' || (state.visibility === 'public' && state.version === hit.version);
  });
}
