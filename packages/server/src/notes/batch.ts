import { Problem } from '../errors.js';
import { jsonChecker } from '../shared/validate.js';
import type { Note } from './note.js';
import type { NoteSchemas } from './schemas.js';
import type { NoteContent } from './service.js';

/** A note to create, shaped like the body of POST /v1/notes. */
export type NewNote = NoteContent & { readonly noteId?: string };

/** A note of a batch, or the problem found with it before anything was written: such an item fails alone. */
export type BatchItem = NewNote | Problem;

/**
 * What became of one item of a batch. `replayed`: the caller already had a live note under the
 * item's id holding the same content (a retried create), and the answer is that note as it is.
 */
export type BatchOutcome =
  | { readonly outcome: 'created' | 'replayed'; readonly note: Note }
  | { readonly outcome: 'failed'; readonly problem: Problem };

/** Checks items against the schema of POST /v1/notes' body, each under its own label (`notes[3]`, `line 12`). */
export const newNoteChecker = (schemas: NoteSchemas): ((value: unknown, label: string) => BatchItem) => jsonChecker(schemas.CreateNote);

/**
 * Whether `note` holds what creating `item` writes (the headline trimmed, the defaults applied):
 * then a create under the note's id is a retry of the one that made it, not a conflict.
 */
export function holds(note: Note, item: NewNote): boolean {
  const photoIds = item.photoIds ?? [];
  return (
    note.headline === item.headline.trim() &&
    note.text === item.text &&
    note.visibility === (item.visibility ?? 'private') &&
    note.photoIds.length === photoIds.length &&
    note.photoIds.every((id, i) => id === photoIds[i])
  );
}

export const failed = (problem: Problem): BatchOutcome => ({ outcome: 'failed', problem });

export const isProblem = (item: BatchItem): item is Problem => item instanceof Problem;
