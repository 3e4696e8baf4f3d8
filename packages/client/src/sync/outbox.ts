import { ConflictError, ShoeboxError } from '../errors.js';
import type { Notes } from '../notes.js';
import type { Note, NoteInput, NotePatch } from '../types.js';

/**
 * A note write made on this device and not yet accepted by the server. A create carries the id the
 * device chose for the note, so sending it again can never make a second note; an update or a
 * delete carries the version it was made to (`ifMatch`), so a note changed elsewhere meanwhile is
 * never overwritten: the write becomes a {@link SyncConflict} instead.
 */
export type PendingWrite =
  | { readonly kind: 'create'; readonly noteId: string; readonly input: NoteInput; readonly queuedAt: string }
  | { readonly kind: 'update'; readonly noteId: string; readonly patch: NotePatch; readonly ifMatch: number; readonly queuedAt: string }
  | { readonly kind: 'delete'; readonly noteId: string; readonly ifMatch: number; readonly queuedAt: string };

/** A queued write the server refused because the note changed (or went) since the version it was made to. */
export interface SyncConflict {
  readonly noteId: string;
  /** What this device tried to write. */
  readonly write: PendingWrite;
  /** The note as this device would have it (null: this device deleted it). */
  readonly mine: Note | null;
  /** The note as the server has it now (null: deleted there). */
  readonly theirs: Note | null;
}

/** A note of the local copy, with the kind of this device's write still waiting to be sent, if any. */
export type LocalNote = Note & { readonly pending?: PendingWrite['kind'] };

/**
 * The queue with `write` added. A write to a note that already waits (and is not being sent right
 * now) is merged into that one, where it stands in the queue: create then update is one create,
 * update then update one update to the first version, create then delete nothing at all. So the
 * queue holds one write per note, and a later write never races an earlier one to the server.
 */
export function enqueue(queue: readonly PendingWrite[], write: PendingWrite, sending: PendingWrite | undefined): PendingWrite[] {
  const at = queue.findIndex((queued) => queued.noteId === write.noteId && queued !== sending);
  const prior = queue[at];
  if (!prior) return [...queue, write];
  const merged = merge(prior, write);
  return merged ? queue.map((queued, index) => (index === at ? merged : queued)) : queue.filter((_, index) => index !== at);
}

function merge(prior: PendingWrite, next: PendingWrite): PendingWrite | null {
  if (next.kind === 'update' && prior.kind === 'create') return { ...prior, input: { ...prior.input, ...next.patch } };
  if (next.kind === 'update' && prior.kind === 'update') return { ...prior, patch: { ...prior.patch, ...next.patch } };
  if (next.kind === 'delete' && prior.kind === 'create') return null;
  if (next.kind === 'delete' && prior.kind === 'update') return { ...next, ifMatch: prior.ifMatch };
  return next;
}

/** `note` as it reads once `write` is applied (undefined when the write removes it). */
export function applied(note: Note | undefined, write: PendingWrite): LocalNote | undefined {
  if (write.kind === 'create') {
    const { noteId: _, ...input } = write.input;
    return {
      noteId: write.noteId,
      photoIds: [],
      visibility: 'private',
      ...input,
      version: 0,
      createdAt: write.queuedAt,
      updatedAt: write.queuedAt,
      pending: 'create',
    };
  }
  if (!note) return undefined;
  if (write.kind === 'update') return { ...note, ...write.patch, pending: 'update' };
  return { ...note, pending: 'delete' };
}

/** What became of a write sent: accepted (with the note as it is now, null once deleted), or why not. */
export type Sent =
  | { readonly outcome: 'accepted'; readonly note: Note | null }
  | { readonly outcome: 'unreachable'; readonly error: ShoeboxError }
  | { readonly outcome: 'conflict'; readonly error: ShoeboxError; readonly theirs: Note | null }
  | { readonly outcome: 'refused'; readonly error: ShoeboxError };

/**
 * Sends one queued write. Every write is safe to send again after a lost answer: a create carries
 * its id as the Idempotency-Key, and an id already taken by the same content counts as accepted
 * (the key is remembered a day; the device may have been offline longer); updates and deletes are
 * guarded by their version.
 */
export async function send(notes: Notes, write: PendingWrite): Promise<Sent> {
  try {
    switch (write.kind) {
      case 'create':
        return { outcome: 'accepted', note: await notes.create({ ...write.input, noteId: write.noteId }) };
      case 'update':
        return { outcome: 'accepted', note: await notes.update(write.noteId, write.patch, { ifMatch: write.ifMatch }) };
      case 'delete':
        await notes.delete(write.noteId, { ifMatch: write.ifMatch });
        return { outcome: 'accepted', note: null };
    }
  } catch (error) {
    if (!(error instanceof ShoeboxError)) throw error;
    if (error instanceof ConflictError) return { outcome: 'conflict', error, theirs: (error.current as Note | undefined) ?? null };
    if (unreachable(error)) return { outcome: 'unreachable', error };
    if (error.code === 'not_found') {
      // Deleted elsewhere: a delete has nothing left to do, an update has nothing to change.
      return write.kind === 'delete' ? { outcome: 'accepted', note: null } : { outcome: 'conflict', error, theirs: null };
    }
    if (error.code === 'note_id_taken' && write.kind === 'create') return createdBefore(notes, write, error);
    return { outcome: 'refused', error };
  }
}

/** Whether the server may accept the write later: no answer, a server error, a limit or an expired session. */
const unreachable = (error: ShoeboxError) => error.status === 0 || error.status >= 500 || error.status === 429 || error.status === 401;

/** A create whose id is taken: accepted if the note there is this very write (its answer was lost), a conflict otherwise. */
async function createdBefore(notes: Notes, write: PendingWrite & { kind: 'create' }, error: ShoeboxError): Promise<Sent> {
  const theirs = await notes.get(write.noteId).catch(() => null);
  if (!theirs) return { outcome: 'refused', error };
  const { noteId: _, ...input } = write.input;
  const same = Object.entries(input).every(([field, value]) => JSON.stringify(theirs[field as keyof Note]) === JSON.stringify(value));
  return same ? { outcome: 'accepted', note: theirs } : { outcome: 'conflict', error, theirs };
}
