import type { Note, Photo } from '../types.js';
import type { SyncSnapshot } from './store.js';

/** One entry of the feed as applied to the local copy: the note or photo as it is now, or null once deleted. */
export type FeedChange =
  | { readonly type: 'note'; readonly id: string; readonly data: Note | null }
  | { readonly type: 'photo'; readonly id: string; readonly data: Photo | null };

/** A page of `GET /v1/changes`. */
export interface FeedPage {
  readonly changes: FeedChange[];
  readonly cursor: string;
  readonly hasMore: boolean;
}

/** The notes and photos of a copy, by id. */
export type Copy = Pick<SyncSnapshot, 'notes' | 'photos'>;

/**
 * `copy` with the feed's entries applied: tombstones remove, upserts replace, except a note older
 * than the one held (an accepted write may be ahead of a feed page read just before it).
 */
export function applyChanges(copy: Copy, changes: readonly FeedChange[]): Copy {
  if (changes.length === 0) return copy;
  const notes = { ...copy.notes };
  const photos = { ...copy.photos };
  for (const change of changes) {
    if (change.type === 'note') {
      if (change.data === null) delete notes[change.id];
      else if ((notes[change.id]?.version ?? 0) <= change.data.version) notes[change.id] = change.data;
    } else if (change.data === null) delete photos[change.id];
    else photos[change.id] = change.data;
  }
  return { notes, photos };
}

/** The entries that turn `before` into `after`: for listeners after a full read. */
export function differences(before: Copy, after: Copy): FeedChange[] {
  const changes: FeedChange[] = [];
  for (const id of Object.keys(before.notes)) if (!after.notes[id]) changes.push({ type: 'note', id, data: null });
  for (const id of Object.keys(before.photos)) if (!after.photos[id]) changes.push({ type: 'photo', id, data: null });
  for (const [id, data] of Object.entries(after.notes)) if (before.notes[id] !== data) changes.push({ type: 'note', id, data });
  for (const [id, data] of Object.entries(after.photos)) if (before.photos[id] !== data) changes.push({ type: 'photo', id, data });
  return changes;
}
