import type { IdentityCalls } from './api.js';
import { ConflictError, ShoeboxError } from './errors.js';
import { newId } from './ids.js';
import { type Pages, pages } from './pages.js';
import type { Note, NoteInput, NotePatch, NoteReplacement } from './types.js';

/** A note's version (`note.version`) or its ETag as the server gave it (`"v3"`). */
export type Version = number | string;

const etag = (version: Version) => (typeof version === 'number' ? `"v${version}"` : version);
const notePath = (noteId: string) => `/v1/notes/${encodeURIComponent(noteId)}`;

/** The identity's notes. */
export class Notes {
  constructor(private readonly calls: IdentityCalls) {}

  /**
   * Creates a note. Its id is made here unless given, and sent as the Idempotency-Key too, so a
   * create retried after a lost answer gets the first answer instead of a second note.
   */
  create(input: NoteInput, options: { signal?: AbortSignal } = {}): Promise<Note> {
    const noteId = input.noteId ?? newId();
    return this.calls.body<Note>({
      method: 'POST',
      path: '/v1/notes',
      body: { ...input, noteId },
      headers: { 'idempotency-key': `note-${noteId}` },
      idempotent: true,
      signal: options.signal,
    });
  }

  get(noteId: string, options: { signal?: AbortSignal } = {}): Promise<Note> {
    return this.calls.body<Note>({ method: 'GET', path: notePath(noteId), signal: options.signal });
  }

  /** Creates the note under this id, or replaces it. */
  put(noteId: string, input: NoteReplacement, options: { ifMatch?: Version; signal?: AbortSignal } = {}): Promise<Note> {
    return this.guarded(noteId, options.ifMatch, (headers) =>
      this.calls.body<Note>({ method: 'PUT', path: notePath(noteId), body: input, headers, signal: options.signal }),
    );
  }

  /**
   * Changes some fields. With `ifMatch` (the version the change was made to), a note changed
   * meanwhile is not overwritten: a ConflictError carries the note as it is now.
   */
  update(noteId: string, patch: NotePatch, options: { ifMatch?: Version; signal?: AbortSignal } = {}): Promise<Note> {
    return this.guarded(noteId, options.ifMatch, (headers) =>
      this.calls.body<Note>({ method: 'PATCH', path: notePath(noteId), body: patch, headers, signal: options.signal }),
    );
  }

  delete(noteId: string, options: { ifMatch?: Version; signal?: AbortSignal } = {}): Promise<void> {
    return this.guarded(noteId, options.ifMatch, (headers) =>
      this.calls.body<void>({ method: 'DELETE', path: notePath(noteId), headers, signal: options.signal }),
    );
  }

  /** The notes, newest first, a page at a time; `photoId` keeps those referring to that photo. */
  list(options: { limit?: number; photoId?: string } = {}): Pages<Note> {
    return pages(async (cursor) => {
      const page = await this.calls.body<{ notes: Note[]; nextCursor: string | null }>({
        method: 'GET',
        path: '/v1/notes',
        query: { limit: options.limit, photoId: options.photoId, cursor },
      });
      return { items: page.notes, nextCursor: page.nextCursor };
    });
  }

  private async guarded<T>(
    noteId: string,
    ifMatch: Version | undefined,
    write: (headers: Record<string, string>) => Promise<T>,
  ): Promise<T> {
    try {
      return await write(ifMatch === undefined ? {} : { 'if-match': etag(ifMatch) });
    } catch (error) {
      if (!(error instanceof ShoeboxError && error.code === 'precondition_failed') || ifMatch === undefined) throw error;
      const current = await this.get(noteId).catch(() => undefined);
      throw new ConflictError<Note>(error, current);
    }
  }
}
