import type { SearchQuery } from './query.js';

/**
 * The search index behind one interface: SQLite FTS5 (index.sqlite.ts) or PostgreSQL tsvector.
 * The stream's search indexer writes it; the search API reads it. Every write is guarded by the
 * note's version, so duplicated, replayed or reordered changes never restore old text or bring a
 * removed note back.
 */
export interface IndexedNote {
  readonly noteId: string;
  readonly ownerId: string;
  readonly visibility: 'private' | 'public';
  readonly headline: string;
  readonly text: string;
  readonly version: number;
  readonly updatedAt: Date;
}

/** A note as the rebuild reads it from the notes table: live, or removed at a version. */
export type IndexEntry =
  | (IndexedNote & { readonly removed: false })
  | { readonly noteId: string; readonly ownerId: string; readonly version: number; readonly removed: true };

export type SearchScope = { readonly kind: 'owner'; readonly ownerId: string } | { readonly kind: 'public' };

/** Where a page ends, in ranking order: score descending, then note id ascending. */
export interface SearchPosition {
  readonly score: number;
  readonly noteId: string;
}

/** Characters that delimit highlighted matches in `SearchHit.marked`; notes can never contain them. */
export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

export interface SearchHit {
  readonly noteId: string;
  readonly headline: string;
  readonly text: string;
  readonly visibility: 'private' | 'public';
  /** The whole headline and a snippet of the text, matches between MARK_START and MARK_END. */
  readonly marked: { readonly headline: string; readonly text: string };
  /** Higher is better. */
  readonly score: number;
  readonly updatedAt: Date;
}

export interface SearchPage {
  readonly hits: SearchHit[];
  /** Where the next page starts, when there is one. */
  readonly next: SearchPosition | null;
}

/**
 * How `apply` compares an entry's version with the index's: `newer` applies only newer versions
 * (the stream: duplicates and late old changes are no-ops); `not-older` also rewrites the same
 * version (the rebuild from the notes table, which repairs damaged entries).
 */
export type VersionGuard = 'newer' | 'not-older';

export interface SearchIndex {
  /**
   * Writes entries in order, all or nothing (one transaction). A removal leaves a tombstone at its
   * version, so an older entry arriving later cannot bring the note back. Idempotent.
   */
  apply(entries: readonly IndexEntry[], guard?: VersionGuard): Promise<void>;
  /** Note ids the index holds, in order, after `afterNoteId`: to find entries whose note is gone. */
  noteIds(afterNoteId: string, limit: number): Promise<string[]>;
  /** Forgets entries entirely (for notes that no longer exist at all). */
  purge(noteIds: readonly string[]): Promise<void>;
  /** Live notes in `scope` matching `query`, best first. */
  search(query: SearchQuery, scope: SearchScope, page: { readonly limit: number; readonly after?: SearchPosition }): Promise<SearchPage>;
}
