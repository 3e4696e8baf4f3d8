import type { TokenStorage } from '../storage.js';
import type { Note, Photo } from '../types.js';
import type { PendingWrite, SyncConflict } from './outbox.js';

/** Everything sync() keeps on the device: the local copy, where the feed was read up to, and the writes not sent yet. */
export interface SyncSnapshot {
  /** Whose copy this is: another identity's copy is dropped, never shown. */
  readonly identityId: string;
  /** The feed position the copy is complete up to; null until a first full read finished. */
  readonly cursor: string | null;
  readonly notes: Readonly<Record<string, Note>>;
  readonly photos: Readonly<Record<string, Photo>>;
  /** Writes made on this device and not yet accepted by the server, oldest first; at most one per note. */
  readonly queue: readonly PendingWrite[];
  /** Writes the server refused because the note changed meanwhile, until the app resolves them. */
  readonly conflicts: readonly SyncConflict[];
}

/**
 * Where sync() keeps its snapshot between app launches. `load` answers what `save` was last given
 * (or null the first time); a store may keep it anywhere (IndexedDB, a file, SQLite). Each save
 * holds the whole snapshot, so a store needs no merging and a crash between two saves loses at most
 * the latest change, which the feed brings back (a write is saved queued before it is sent).
 */
export interface SyncStore {
  load(): SyncSnapshot | null | Promise<SyncSnapshot | null>;
  save(snapshot: SyncSnapshot): void | Promise<void>;
}

/** A store in memory: the copy lasts as long as the client. The default. */
export function memorySyncStore(): SyncStore {
  let kept: SyncSnapshot | null = null;
  return {
    load: () => kept,
    save: (snapshot) => {
      kept = snapshot;
    },
  };
}

/**
 * A store in a key-value storage: `localStorage`, React Native's AsyncStorage, or any object with
 * `getItem`, `setItem` and `removeItem`, as JSON under `key`. An unreadable value counts as none.
 */
export function syncStoreIn(storage: TokenStorage, key = 'shoebox.sync'): SyncStore {
  return {
    load: async () => {
      try {
        const parsed = JSON.parse((await storage.getItem(key)) ?? 'null');
        return typeof parsed?.identityId === 'string' && Array.isArray(parsed.queue) ? (parsed as SyncSnapshot) : null;
      } catch {
        return null;
      }
    },
    save: (snapshot) => storage.setItem(key, JSON.stringify(snapshot)),
  };
}
