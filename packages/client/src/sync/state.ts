import type { ShoeboxError } from '../errors.js';
import type { Photo } from '../types.js';
import type { FeedChange } from './copy.js';
import { applied, type LocalNote, type PendingWrite, type SyncConflict } from './outbox.js';
import type { SyncSnapshot } from './store.js';

/** A queued write the server refused for another reason than a conflict (the note became invalid, say); it is not sent again. */
export interface SyncFailure {
  readonly write: PendingWrite;
  readonly error: ShoeboxError;
}

/**
 * `live`: the realtime stream is open; `connecting`: reading the feed and opening it; `offline`:
 * the last attempt failed, another follows; `idle`: not live (`pull()` when the app likes).
 */
export type Connection = 'idle' | 'connecting' | 'live' | 'offline' | 'stopped';

/** The local copy as the app shows it: the server's notes with this device's waiting writes applied, newest first. */
export interface SyncState {
  readonly notes: readonly LocalNote[];
  readonly photos: readonly Photo[];
  /** Writes waiting to be sent, oldest first. */
  readonly pending: readonly PendingWrite[];
  readonly conflicts: readonly SyncConflict[];
  readonly failures: readonly SyncFailure[];
  /** The feed position the copy is complete up to; null before the first full read. */
  readonly cursor: string | null;
  readonly connection: Connection;
}

/** Told of every change of the state; `changes` lists what the feed (or an accepted write) brought, if anything. */
export type SyncListener = (state: SyncState, changes: readonly FeedChange[]) => void;

const newest = (a: { createdAt: string }, b: { createdAt: string }) => b.createdAt.localeCompare(a.createdAt);

/** The state the app sees of a snapshot: each waiting write applied to its note, notes and photos newest first. */
export function stateOf(snapshot: SyncSnapshot | undefined, failures: readonly SyncFailure[], connection: Connection): SyncState {
  const notes = new Map<string, LocalNote>(Object.entries(snapshot?.notes ?? {}));
  for (const write of snapshot?.queue ?? []) {
    const next = applied(notes.get(write.noteId), write);
    if (next) notes.set(write.noteId, next);
    else notes.delete(write.noteId);
  }
  return {
    notes: [...notes.values()].sort(newest),
    photos: Object.values(snapshot?.photos ?? {}).sort(newest),
    pending: snapshot?.queue ?? [],
    conflicts: snapshot?.conflicts ?? [],
    failures,
    cursor: snapshot?.cursor ?? null,
    connection,
  };
}
