import type { Visibility } from './tables.js';

export interface Note {
  readonly noteId: string;
  readonly ownerId: string;
  readonly headline: string;
  readonly text: string;
  readonly photoIds: readonly string[];
  readonly visibility: Visibility;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A note as the API shows it (the owner is implied: only the owner sees it through /v1/notes). */
export const noteJson = (note: Note) => ({
  noteId: note.noteId,
  headline: note.headline,
  text: note.text,
  photoIds: [...note.photoIds],
  visibility: note.visibility,
  version: note.version,
  createdAt: note.createdAt.toISOString(),
  updatedAt: note.updatedAt.toISOString(),
});

export type NoteJson = ReturnType<typeof noteJson>;

/** A note as its change records carry it: the API shape plus the owner. */
export const noteImage = (note: Note): Record<string, unknown> => ({ ...noteJson(note), ownerId: note.ownerId });

/**
 * A note image without its words (headline and text blank), the rest as it was: what a removal
 * carries, and what every change of an identity's notes keeps once the identity is gone, so the
 * change stream never outlives a note's words.
 */
export const wordless = (image: Record<string, unknown>): Record<string, unknown> => ({ ...image, headline: '', text: '' });

/** Strong entity tag of a note version: `"v<version>"`, quotes included. */
export const etagOf = (version: number): string => `"v${version}"`;

/**
 * Whether an If-Match header lets a write go ahead on a note at `version` (RFC 9110 13.1.1):
 * `*` matches any existing note, otherwise one of the listed tags must be its strong tag.
 * Weak tags (W/"…") never match.
 */
export function ifMatchAllows(header: string, version: number | undefined): boolean {
  if (version === undefined) return false;
  const tags = header.split(',').map((tag) => tag.trim());
  return tags.includes('*') || tags.includes(etagOf(version));
}
