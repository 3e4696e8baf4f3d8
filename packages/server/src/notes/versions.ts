import type { NewChange } from '../stream/outbox.js';
import { type Note, noteImage, wordless } from './note.js';
import type { NoteContent, NotePatch } from './service.js';

/** A new note at version 1, as the caller asked for it, made `now`. */
export function newNote(ownerId: string, noteId: string, input: NoteContent, now: Date): Note {
  return {
    noteId,
    ownerId,
    headline: input.headline.trim(),
    text: input.text,
    photoIds: [...(input.photoIds ?? [])],
    visibility: input.visibility ?? 'private',
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** The note after a change: the next version, changed `now`. */
export function nextVersion(current: Note, changes: NotePatch, now: Date): Note {
  return {
    ...current,
    ...definedOnly(changes),
    headline: changes.headline?.trim() ?? current.headline,
    version: current.version + 1,
    updatedAt: now,
  };
}

/** The change records of note writes, the same whichever way the write is made. */
export const insertChange = (note: Note): NewChange => ({
  entity: 'note',
  entityId: note.noteId,
  ownerId: note.ownerId,
  op: 'INSERT',
  version: note.version,
  oldImage: null,
  newImage: noteImage(note),
});

export const modifyChange = (current: Note, next: Note): NewChange => ({
  entity: 'note',
  entityId: next.noteId,
  ownerId: next.ownerId,
  op: 'MODIFY',
  version: next.version,
  oldImage: noteImage(current),
  newImage: noteImage(next),
});

/** A removal's image names the note but carries none of its words. */
export const removeChange = (note: Note, version: number): NewChange => ({
  entity: 'note',
  entityId: note.noteId,
  ownerId: note.ownerId,
  op: 'REMOVE',
  version,
  oldImage: wordless(noteImage(note)),
  newImage: null,
});

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
