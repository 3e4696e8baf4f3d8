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

/** A note's name: every identity has its own note ids. */
export interface NoteKey {
  readonly ownerId: string;
  readonly noteId: string;
}

/** One string per note, for maps and sets of notes. */
export const keyOf = (key: NoteKey): string => `${key.ownerId}\u0000${key.noteId}`;

/** Orders notes by owner, then id: the order of the notes table's and the index's keys. */
export const byKey = (a: NoteKey, b: NoteKey): number => compare(a.ownerId, b.ownerId) || compare(a.noteId, b.noteId);

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A note as the rebuild reads it from the notes table: live, or removed at a version. */
export type IndexEntry =
  | (IndexedNote & { readonly removed: false })
  | { readonly noteId: string; readonly ownerId: string; readonly version: number; readonly removed: true };

export type SearchScope = { readonly kind: 'owner'; readonly ownerId: string } | { readonly kind: 'public' };

/**
 * Where a page ends, in ranking order: score descending, then the index's own document id
 * ascending (a note id alone would tie between owners, and the owner must not show in a cursor).
 */
export interface SearchPosition {
  readonly score: number;
  readonly docId: number;
}

/** Characters that delimit highlighted matches in `SearchHit.marked`; notes can never contain them. */
export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

export interface SearchHit {
  readonly noteId: string;
  readonly ownerId: string;
  /** The note's version the index holds, to check against the notes table's. */
  readonly version: number;
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
  /** Notes the index holds, in key order (byKey), after `after`: to find entries whose note is gone. */
  keys(after: NoteKey | undefined, limit: number): Promise<NoteKey[]>;
  /** Forgets entries entirely (for notes that no longer exist at all). */
  purge(keys: readonly NoteKey[]): Promise<void>;
  /**
   * Notes in `scope` matching `query`, best first, as the index holds them: it can lag behind the
   * notes table (search/live-search.ts checks its hits against the table).
   */
  search(query: SearchQuery, scope: SearchScope, page: { readonly limit: number; readonly after?: SearchPosition }): Promise<SearchPage>;
}
