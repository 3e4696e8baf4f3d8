import type { IdentityCalls } from '../api.js';
import { ConflictError, ShoeboxError } from '../errors.js';
import { newId } from '../ids.js';
import type { Notes } from '../notes.js';
import type { Photos } from '../photos.js';
import type { Note, NoteInput, NotePatch, Photo } from '../types.js';
import { applyChanges, type Copy, differences, type FeedChange, type FeedPage } from './copy.js';
import { backoff, LiveConnection } from './live.js';
import { applied, enqueue, type LocalNote, type PendingWrite, send } from './outbox.js';
import { type Connection, type SyncFailure, type SyncListener, type SyncState, stateOf } from './state.js';
import { memorySyncStore, type SyncSnapshot, type SyncStore } from './store.js';

export interface SyncOptions {
  /** Where the local copy and the queued writes are kept (memory by default; `syncStoreIn(localStorage)` keeps them). */
  readonly store?: SyncStore;
  /** Listen to the realtime stream and read the feed at each change, reconnecting as needed (default true). */
  readonly live?: boolean;
  /** Changes read per feed page (default 100, at most 500). */
  readonly pageSize?: number;
  /** Longest wait between two attempts to reconnect or to send queued writes (default 30 s). */
  readonly maxBackoffMs?: number;
  /** A realtime connection silent this long is taken for dead and opened again (default 45 s, three of the server's heartbeats). */
  readonly idleTimeoutMs?: number;
}

const contentOf = ({ headline, text, photoIds, visibility }: Note) => ({ headline, text, photoIds, visibility });
const isExpired = (error: unknown): error is ShoeboxError => error instanceof ShoeboxError && error.code === 'cursor_expired';

/**
 * Keeps a local copy of the identity's notes and photos up to date from the change feed, and sends
 * the notes written on this device, queued first so that none is lost offline.
 *
 * The copy is complete up to its cursor: each feed page is applied and its cursor kept together.
 * Live, it opens the realtime stream with `Last-Event-ID` at that cursor after reading the feed, so
 * the server replays whatever committed in between and no change is missed across a reconnect;
 * each event makes it read the feed again (reads coalesce). A cursor older than the server keeps
 * (410) starts the copy over. Writes are kept queued (with the note ids chosen here) until the
 * server accepts them, and sent one at a time, in order.
 */
export class Sync {
  readonly #store: SyncStore;
  readonly #pageSize: number;
  readonly #maxBackoffMs: number;
  readonly #listeners = new Set<SyncListener>();
  readonly #cleanups: (() => void)[] = [];
  #snapshot: SyncSnapshot | undefined;
  #loaded: Promise<SyncSnapshot | null> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #view: SyncState | undefined;
  #connection: Connection;
  #failures: SyncFailure[] = [];
  #sending: PendingWrite | undefined;
  readonly #pull = coalesced(() => this.#pullOnce());
  readonly #flush = coalesced(() => this.#flushOnce());
  #flushAttempt = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #live: LiveConnection | undefined;
  #stopped = false;

  constructor(
    private readonly calls: IdentityCalls,
    private readonly notesApi: Notes,
    private readonly photosApi: Photos,
    options: SyncOptions = {},
  ) {
    this.#store = options.store ?? memorySyncStore();
    this.#pageSize = options.pageSize ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#connection = options.live === false ? 'idle' : 'connecting';
    this.#cleanups.push(
      calls.session.onChange(({ identityId }) => {
        // Another identity: its copy replaces this one, and the stream is opened again as it.
        if (this.#snapshot && identityId !== null && identityId !== this.#snapshot.identityId) this.#live?.reconnect();
      }),
      onReconnected(() => {
        this.#live?.reconnect();
        void this.flush().catch(() => undefined);
      }),
    );
    if (options.live === false) return;
    this.#live = new LiveConnection(
      {
        pull: () => this.pull(),
        flush: () => this.flush(),
        cursor: () => this.#snapshot?.cursor ?? '0',
        expired: async () => {
          if (this.#snapshot) await this.#commit({ ...this.#snapshot, cursor: null });
        },
        open: (lastEventId, signal) =>
          this.calls.open({
            method: 'GET',
            path: '/v1/changes/stream',
            headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
            signal,
          }),
        connection: (state) => this.#setConnection(state),
      },
      { maxBackoffMs: this.#maxBackoffMs, idleTimeoutMs: options.idleTimeoutMs ?? 45_000 },
    );
  }

  get state(): SyncState {
    this.#view ??= stateOf(this.#snapshot, this.#failures, this.#connection);
    return this.#view;
  }

  /** Calls `listener` on every change of the state; answers how to stop. */
  subscribe(listener: SyncListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the feed until the copy is up to date. Rejects when the server cannot be reached (the copy stays as it was). */
  pull(): Promise<void> {
    return this.#pull();
  }

  /** Sends the queued writes, in order, until the queue is empty or the server cannot be reached (a retry follows, with backoff). */
  flush(): Promise<void> {
    return this.#flush();
  }

  /**
   * Creates a note under an id chosen here (or `input.noteId`). It is queued (and saved) first, then
   * sent: the answer is the note as the server has it, or, offline, as it waits (`pending: 'create'`),
   * sent once the server can be reached. A refusal (an invalid note) rejects and is not queued.
   */
  createNote(input: NoteInput): Promise<LocalNote | null> {
    const { noteId = newId(), ...content } = input;
    return this.#write(() => ({ kind: 'create', noteId, input: content, queuedAt: now() }));
  }

  /**
   * Changes some fields of a note of the copy, made to the version the copy has (or `ifMatch`).
   * Queued and sent as `createNote` is; if the note changed on the server meanwhile, it is not
   * overwritten: the write becomes a conflict (`state.conflicts`) and this rejects with a ConflictError.
   */
  updateNote(noteId: string, patch: NotePatch, options: { ifMatch?: number } = {}): Promise<LocalNote | null> {
    return this.#write((copy) => ({
      kind: 'update',
      noteId,
      patch,
      ifMatch: options.ifMatch ?? baseVersion(copy, noteId),
      queuedAt: now(),
    }));
  }

  /** Deletes a note of the copy, guarded by its version as `updateNote` is. */
  deleteNote(noteId: string, options: { ifMatch?: number } = {}): Promise<LocalNote | null> {
    return this.#write((copy) => ({ kind: 'delete', noteId, ifMatch: options.ifMatch ?? baseVersion(copy, noteId), queuedAt: now() }));
  }

  /**
   * Settles a conflict: `theirs` keeps the server's note and drops this device's write; `mine`
   * writes this device's version over the server's (queued as a write to the server's version).
   */
  async resolve(noteId: string, keep: 'mine' | 'theirs'): Promise<void> {
    const snapshot = await this.#ready();
    const conflict = snapshot.conflicts.find((item) => item.noteId === noteId);
    if (!conflict) return;
    const conflicts = snapshot.conflicts.filter((item) => item !== conflict);
    let queue = snapshot.queue;
    const { mine, theirs } = conflict;
    if (keep === 'mine') {
      const queuedAt = now();
      if (mine && theirs)
        queue = enqueue(queue, { kind: 'update', noteId, patch: contentOf(mine), ifMatch: theirs.version, queuedAt }, this.#sending);
      else if (mine) queue = enqueue(queue, { kind: 'create', noteId, input: contentOf(mine), queuedAt }, this.#sending);
      else if (theirs) queue = enqueue(queue, { kind: 'delete', noteId, ifMatch: theirs.version, queuedAt }, this.#sending);
    }
    await this.#commit({ ...snapshot, conflicts, queue });
    await this.flush();
  }

  /** Forgets a failure the app has shown. */
  dismiss(failure: SyncFailure): void {
    this.#failures = this.#failures.filter((item) => item !== failure);
    this.#changed([]);
  }

  /** Closes the realtime stream and stops retrying; the copy stays in its store. */
  stop(): void {
    this.#stopped = true;
    this.#live?.stop();
    clearTimeout(this.#flushTimer);
    for (const cleanup of this.#cleanups) cleanup();
    this.#setConnection('stopped');
  }

  async #write(make: (copy: SyncSnapshot) => PendingWrite): Promise<LocalNote | null> {
    const snapshot = await this.#ready();
    const write = make(snapshot);
    if (write.kind !== 'create' && !this.state.notes.some((note) => note.noteId === write.noteId && note.pending !== 'delete')) {
      throw new ShoeboxError('not_found', `There is no note ${write.noteId} in the local copy`, { status: 404 });
    }
    const conflictsBefore = new Set(snapshot.conflicts);
    // Saved before it is sent: a write the app was told about survives a crash.
    await this.#commit({ ...snapshot, queue: enqueue(snapshot.queue, write, this.#sending) });
    await this.flush();
    const failure = this.#failures.find((item) => item.write.noteId === write.noteId);
    if (failure) {
      this.#failures = this.#failures.filter((item) => item !== failure);
      this.#changed([]);
      throw failure.error;
    }
    const conflict = this.#snapshot?.conflicts.find((item) => item.noteId === write.noteId && !conflictsBefore.has(item));
    if (conflict) {
      const refusal = new ShoeboxError('precondition_failed', `Note ${write.noteId} changed on the server since this write was made`, {
        status: 412,
      });
      throw new ConflictError<Note>(refusal, conflict.theirs ?? undefined);
    }
    return this.state.notes.find((note) => note.noteId === write.noteId) ?? null;
  }

  /** The snapshot of the current identity: loaded once, started over (empty) for another identity. */
  async #ready(): Promise<SyncSnapshot> {
    const { identityId } = await this.calls.session.ensure();
    this.#loaded ??= Promise.resolve(this.#store.load());
    const loaded = await this.#loaded;
    const snapshot = this.#snapshot ?? loaded;
    if (snapshot?.identityId === identityId) {
      this.#snapshot = snapshot;
      return snapshot;
    }
    this.#failures = [];
    const empty: SyncSnapshot = { identityId, cursor: null, notes: {}, photos: {}, queue: [], conflicts: [] };
    await this.#commit(empty);
    return empty;
  }

  /** Whether `identityId` still owns the copy: an answer to an earlier identity's call is dropped. */
  #owns(identityId: string): boolean {
    return this.#snapshot?.identityId === identityId && !this.#stopped;
  }

  async #pullOnce(): Promise<void> {
    const snapshot = await this.#ready();
    if (snapshot.cursor === null) return this.#readAll(snapshot.identityId);
    let cursor = snapshot.cursor;
    for (;;) {
      let page: FeedPage;
      try {
        page = await this.#page(cursor);
      } catch (error) {
        if (isExpired(error)) return this.#readAll(snapshot.identityId);
        throw error;
      }
      if (!this.#owns(snapshot.identityId)) return;
      const current = this.#snapshot ?? snapshot;
      await this.#commit({ ...current, ...applyChanges(current, page.changes), cursor: page.cursor }, page.changes);
      cursor = page.cursor;
      if (!page.hasMore) return;
    }
  }

  /**
   * Reads the whole copy again. The feed holds only what retention kept: when the server has
   * pruned older changes (a probe answers 410 naming the oldest position kept), the notes and photos
   * are listed first and the feed is read on from that position, so nothing pruned is missing and
   * nothing that changed during the listing is either (its change comes after that position).
   */
  async #readAll(identityId: string): Promise<void> {
    let cursor = '0';
    let fresh: Copy = { notes: {}, photos: {} };
    try {
      await this.#page('1', 1);
    } catch (error) {
      if (!isExpired(error)) throw error;
      cursor = String(error.problem?.oldestCursor ?? '0');
      fresh = await this.#list();
    }
    for (;;) {
      const page = await this.#page(cursor);
      fresh = applyChanges(fresh, page.changes);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    const current = this.#snapshot;
    if (!current || !this.#owns(identityId)) return;
    await this.#commit({ ...current, ...fresh, cursor }, differences(current, fresh));
  }

  async #list(): Promise<Copy> {
    const notes: Record<string, Note> = {};
    const photos: Record<string, Photo> = {};
    for await (const page of this.notesApi.list({ limit: 100 })) for (const note of page.items) notes[note.noteId] = note;
    for await (const page of this.photosApi.list({ limit: 100 })) for (const photo of page.items) photos[photo.photoId] = photo;
    return { notes, photos };
  }

  #page(since: string, limit = this.#pageSize): Promise<FeedPage> {
    return this.calls.body<FeedPage>({ method: 'GET', path: '/v1/changes', query: { since, limit } });
  }

  async #flushOnce(): Promise<void> {
    const { identityId } = await this.#ready();
    for (;;) {
      const write = this.#snapshot?.queue[0];
      if (!write) return;
      this.#sending = write;
      const sent = await send(this.notesApi, write).finally(() => {
        this.#sending = undefined;
      });
      const snapshot = this.#snapshot;
      if (!snapshot || !this.#owns(identityId)) return;
      if (sent.outcome === 'unreachable') return this.#retryFlushLater();
      this.#flushAttempt = 0;
      let { notes, queue, conflicts } = snapshot;
      queue = queue.filter((queued) => queued !== write);
      const changes: FeedChange[] = [];
      if (sent.outcome === 'accepted') {
        changes.push({ type: 'note', id: write.noteId, data: sent.note });
        ({ notes } = applyChanges(snapshot, changes));
        const version = sent.note?.version;
        // Writes queued behind this one while it was on its way were made to the version it creates.
        if (version !== undefined)
          queue = queue.map((queued) => (queued.noteId === write.noteId && 'ifMatch' in queued ? { ...queued, ifMatch: version } : queued));
      } else if (sent.outcome === 'conflict') {
        const mine = applied(notes[write.noteId], write);
        conflicts = [...conflicts, { noteId: write.noteId, write, mine: mine ? withoutPending(mine) : null, theirs: sent.theirs }];
        changes.push({ type: 'note', id: write.noteId, data: sent.theirs });
        ({ notes } = applyChanges(snapshot, changes));
      } else {
        this.#failures = [...this.#failures, { write, error: sent.error }];
      }
      await this.#commit({ ...snapshot, notes, queue, conflicts }, changes);
    }
  }

  #retryFlushLater(): void {
    clearTimeout(this.#flushTimer);
    if (this.#stopped) return;
    this.#flushTimer = setTimeout(() => void this.flush().catch(() => undefined), backoff(this.#flushAttempt++, this.#maxBackoffMs));
  }

  /** Keeps `snapshot` (saved in order, each save the whole snapshot) and tells the listeners. */
  async #commit(snapshot: SyncSnapshot, changes: readonly FeedChange[] = []): Promise<void> {
    this.#snapshot = snapshot;
    // A failed save (storage full) keeps the copy in memory; the next save writes all of it again.
    this.#saving = this.#saving.then(() => this.#store.save(snapshot)).catch(() => undefined);
    this.#changed(changes);
    await this.#saving;
  }

  #setConnection(connection: Connection): void {
    if (this.#connection === connection) return;
    this.#connection = connection;
    this.#changed([]);
  }

  #changed(changes: readonly FeedChange[]): void {
    this.#view = undefined;
    const state = this.state;
    for (const listener of this.#listeners) listener(state, changes);
  }
}

const now = () => new Date().toISOString();

/** The version a write to `noteId` is made to: the copy's (0 for a note still waiting to be created: its create takes the write in). */
const baseVersion = (copy: SyncSnapshot, noteId: string): number => copy.notes[noteId]?.version ?? 0;

function withoutPending({ pending: _, ...note }: LocalNote): Note {
  return note;
}

/** Calls `listener` when the platform says the network is back (browsers' `online` event); answers how to stop. */
function onReconnected(listener: () => void): () => void {
  const target = globalThis as {
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
  target.addEventListener?.('online', listener);
  return () => target.removeEventListener?.('online', listener);
}

/**
 * Runs `once` for a caller; callers that come while it runs share that run, and make it go round
 * once more when it ends, so what they asked for is covered without two runs at a time.
 */
function coalesced(once: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await once();
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
