import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { sha256 } from '../shared/secrets.js';
import { type Outbox, recordChange, recordChanges } from '../stream/outbox.js';
import { type BatchItem, type BatchOutcome, failed, holds, isProblem, type NewNote } from './batch.js';
import { etagOf, ifMatchAllows, type Note, type NoteJson, noteJson } from './note.js';
import type { PhotoReferences } from './photo-references.js';
import type { NotesStore } from './store.js';
import type { CreateOutcome, Visibility } from './tables.js';
import { insertChange, modifyChange, newNote, nextVersion, removeChange } from './versions.js';
import type { OneStatementNoteWrites } from './writes.js';

export interface NoteContent {
  readonly headline: string;
  readonly text: string;
  readonly photoIds?: readonly string[];
  readonly visibility?: Visibility;
}

export type NotePatch = Partial<NoteContent>;

/** Conditions from If-Match / If-None-Match headers, as sent. */
export interface Preconditions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
}

export interface ListPage {
  readonly notes: Note[];
  readonly nextCursor: string | null;
}

/** The identity service, as note writes need it. */
export interface LiveCallers {
  /** Whether an identity and one of its sessions are still live; throws the problem their request answers if not. */
  assertLive(identityId: string, sessionId: string): Promise<void>;
  /** First in a transaction creating notes: the owner is neither deleted nor merged away until it commits (identity/owner-locks.ts). */
  holdOwner(trx: Kysely<Tables>, identityId: string): Promise<void>;
}

export interface NotesServiceParts {
  /** Checks that the photos a note names are its owner's: required, so no wiring can leave a note pointing at another's photo. */
  readonly photos: PhotoReferences;
  /** Where the engine writes a note and its change in one statement (writes.ts). */
  readonly oneStatement?: OneStatementNoteWrites;
  readonly callers: LiveCallers;
  /** When notes are written and Idempotency-Keys forgotten. */
  readonly clock?: Clock;
}

/** How long a POST's Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const FORGET_EVERY_MS = 60_000;

/**
 * Notes of one identity. Every write commits atomically with its change record (the outbox), so
 * an acknowledged write always reaches the stream and a failed one leaves nothing behind: in one
 * transaction, or, where the engine offers it and the note has no photos, in one statement.
 */
export class NotesService {
  private lastForget = 0;
  private readonly photos: PhotoReferences;
  private readonly oneStatement: OneStatementNoteWrites | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly store: NotesStore,
    private readonly outbox: Outbox,
    private readonly parts: NotesServiceParts,
  ) {
    this.photos = parts.photos;
    this.oneStatement = parts.oneStatement;
    this.clock = parts.clock ?? systemClock;
  }

  /**
   * Creates a note with a server-chosen or client-chosen id. With an idempotency key, a retry of
   * the same request returns the first answer (its outcome and note) instead of creating again. With `sessionId`, the
   * caller's route left checking that the owner and that session are live to this write (the
   * identity guard's check, identity/bearer.ts): made in the write's own statement where the
   * engine can, else first.
   */
  async create(
    ownerId: string,
    input: NoteContent & { noteId?: string },
    idempotencyKey?: string,
    sessionId?: string,
  ): Promise<{ note: NoteJson; outcome: CreateOutcome; replayed: boolean }> {
    await this.forgetOldAnswers();
    const oneStatement = this.oneStatement;
    if (oneStatement && idempotencyKey === undefined && !input.photoIds?.length) {
      const note = newNote(ownerId, input.noteId ?? randomUUID(), input, this.now());
      const written = await this.outbox.writeOne(() => oneStatement.insertNew(note, insertChange(note), sessionId));
      if (written) return { note: noteJson(note), outcome: 'created', replayed: false };
    }
    // Also where the statement above wrote nothing: a caller no longer live answers as the guard would have.
    if (sessionId !== undefined) await this.parts.callers.assertLive(ownerId, sessionId);
    const requestHash = idempotencyKey === undefined ? '' : sha256(canonicalJson(input));
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.outbox.write(async (trx) => {
          await this.parts.callers.holdOwner(trx, ownerId);
          if (idempotencyKey !== undefined) {
            const prior = await this.store.findAnswer(trx, ownerId, idempotencyKey);
            if (prior) return { note: replayOf(prior, requestHash), outcome: prior.outcome, replayed: true };
          }
          const note = await this.insert(trx, ownerId, input.noteId ?? randomUUID(), input);
          const body = noteJson(note);
          if (
            idempotencyKey !== undefined &&
            !(await this.store.saveAnswer(trx, ownerId, idempotencyKey, { requestHash, outcome: 'created', body }, this.clock.now()))
          ) {
            throw new ConcurrentRetry();
          }
          return { note: body, outcome: 'created', replayed: false };
        });
      } catch (error) {
        // Another request with the same key committed first (only possible where writers run
        // concurrently): this one rolled back; answer as its retry would.
        if (!(error instanceof ConcurrentRetry) || attempt > 0) throw error;
      }
    }
  }

  /**
   * Creates notes in one transaction, in order, each with its INSERT change as `create` writes it.
   * Items fail alone: every refusal (a bad item, a taken id, a foreign photo) is decided before the
   * item writes anything, so the others commit. An item naming an id the caller uses for a note
   * holding the same content is a retry and is replayed, so a whole batch can be sent again safely.
   */
  async createMany(ownerId: string, items: readonly BatchItem[]): Promise<BatchOutcome[]> {
    return this.outbox.write(async (trx) => {
      await this.parts.callers.holdOwner(trx, ownerId);
      const outcomes = await this.createInBulk(trx, ownerId, items);
      for (const [i, item] of items.entries()) {
        outcomes[i] ??= isProblem(item) ? failed(item) : await this.createOrReplay(trx, ownerId, item);
      }
      return outcomes as BatchOutcome[];
    });
  }

  /**
   * The common cases of a batch in a few statements instead of two or more per note: notes
   * without photos (no ownership to check), each id's first item only, created under ids the
   * owner never used or replayed where the owner's live note holds the same content (a resumed
   * import). Answers their outcomes by position; every other item is left for the one-by-one
   * path, which sees these as written.
   */
  private async createInBulk(trx: Kysely<Tables>, ownerId: string, items: readonly BatchItem[]): Promise<(BatchOutcome | undefined)[]> {
    const fresh = new Map<string, { at: number; note: Note }>();
    for (const [at, item] of items.entries()) {
      if (isProblem(item) || item.photoIds?.length) continue;
      const noteId = item.noteId ?? randomUUID();
      if (!fresh.has(noteId)) fresh.set(noteId, { at, note: newNote(ownerId, noteId, item, this.now()) });
    }
    const outcomes: (BatchOutcome | undefined)[] = new Array(items.length);
    const written = await this.store.insertNewMany(
      trx,
      [...fresh.values()].map(({ note }) => note),
    );
    const created = [...fresh.values()].filter(({ note }) => written.has(note.noteId));
    await recordChanges(
      trx,
      created.map(({ note }) => insertChange(note)),
    );
    for (const { at, note } of created) outcomes[at] = { outcome: 'created', note };
    const others = [...fresh.values()].filter(({ note }) => !written.has(note.noteId));
    const live = await this.store.findOwnedMany(
      trx,
      ownerId,
      others.map(({ note }) => note.noteId),
    );
    for (const { at } of others) {
      const item = items[at] as NewNote;
      const current = item.noteId === undefined ? undefined : live.get(item.noteId);
      if (current && holds(current, item)) outcomes[at] = { outcome: 'replayed', note: current };
    }
    return outcomes;
  }

  /** Creates the note under a client-chosen id, or replaces the caller's note with that id. */
  async put(
    ownerId: string,
    noteId: string,
    input: NoteContent,
    conditions: Preconditions = {},
  ): Promise<{ note: Note; created: boolean }> {
    const written = input.photoIds?.length ? undefined : await this.putInOneStatement(ownerId, noteId, input, conditions);
    if (written) return written;
    return this.outbox.write(async (trx) => {
      await this.parts.callers.holdOwner(trx, ownerId);
      const current = await this.store.findOwned(trx, ownerId, noteId);
      checkPreconditions(noteId, current, conditions);
      if (!current) return { note: await this.insert(trx, ownerId, noteId, input), created: true };
      return {
        note: await this.replace(trx, current, { ...input, photoIds: input.photoIds ?? [], visibility: input.visibility ?? 'private' }),
        created: false,
      };
    });
  }

  async get(ownerId: string, noteId: string): Promise<Note> {
    const note = await this.store.findOwned(this.store.db, ownerId, noteId);
    if (!note) throw notFound(noteId);
    return note;
  }

  async patch(ownerId: string, noteId: string, changes: NotePatch, conditions: Preconditions = {}): Promise<Note> {
    if (this.oneStatement && !changes.photoIds?.length) {
      const current = await this.findForWrite(ownerId, noteId, conditions);
      if (current.photoIds.length === 0) return this.updateInOneStatement(this.oneStatement, current, changes);
    }
    return this.outbox.write(async (trx) => {
      const current = await this.store.findOwned(trx, ownerId, noteId);
      if (!current) throw notFound(noteId);
      checkPreconditions(noteId, current, conditions);
      return this.replace(trx, current, changes);
    });
  }

  async delete(ownerId: string, noteId: string, conditions: Preconditions = {}): Promise<void> {
    const oneStatement = this.oneStatement;
    if (oneStatement) {
      const current = await this.findForWrite(ownerId, noteId, conditions);
      const version = current.version + 1;
      const removed = await this.outbox.writeOne(() =>
        oneStatement.markDeleted(current, version, this.now(), removeChange(current, version)),
      );
      if (!removed) throw changedMeanwhile(noteId);
      return;
    }
    await this.outbox.write(async (trx) => {
      const current = await this.store.findOwned(trx, ownerId, noteId);
      if (!current) throw notFound(noteId);
      checkPreconditions(noteId, current, conditions);
      await this.remove(trx, current);
    });
  }

  countLive(ownerId: string): Promise<number> {
    return this.store.countLive(ownerId);
  }

  async list(ownerId: string, options: { limit: number; cursor?: string; photoId?: string }): Promise<ListPage> {
    const notes = await this.store.list(ownerId, {
      limit: options.limit + 1,
      after: options.cursor === undefined ? undefined : decodeListCursor(options.cursor),
      photoId: options.photoId,
    });
    const page = notes.slice(0, options.limit);
    const last = page.at(-1);
    return { notes: page, nextCursor: notes.length > options.limit && last ? encodeListCursor(last) : null };
  }

  /**
   * Tombstones a note and records its REMOVE, inside the caller's transaction (also used when an
   * identity goes). The removal's image names the note but carries none of its words.
   */
  async remove(trx: Kysely<Tables>, note: Note): Promise<void> {
    const version = note.version + 1;
    if (!(await this.store.markDeleted(trx, note, version, this.now()))) throw changedMeanwhile(note.noteId);
    await recordChange(trx, removeChange(note, version));
  }

  /**
   * Hands a note to another identity (a guest merged into it), inside the caller's transaction:
   * removed from its owner as a delete would, then created among the new owner's notes, under the
   * same id unless the new owner has a live note with it (then under a new random id). Its photos
   * are not checked: they move to the same identity in the same transaction.
   */
  async move(trx: Kysely<Tables>, note: Note, toOwnerId: string): Promise<Note> {
    await this.remove(trx, note);
    const taken = await this.store.findOwned(trx, toOwnerId, note.noteId);
    return this.add(trx, { ...note, ownerId: toOwnerId, noteId: taken ? randomUUID() : note.noteId, version: 1, updatedAt: this.now() });
  }

  /** Writes a changed note at the next version and records its MODIFY, inside the caller's transaction. */
  async replace(trx: Kysely<Tables>, current: Note, changes: NotePatch): Promise<Note> {
    const next = nextVersion(current, changes, this.now());
    if (changes.photoIds?.length) await this.photos.assertOwned(trx, next.ownerId, next.photoIds);
    if (!(await this.store.update(trx, next, current.version))) throw changedMeanwhile(current.noteId);
    await recordChange(trx, modifyChange(current, next));
    return next;
  }

  /**
   * PUT in one statement, when the engine can and neither the note as it is nor as it will be has
   * photos. Undefined when the id turned out to be used by a tombstone (or a concurrent create):
   * the transactional path then decides.
   */
  private async putInOneStatement(
    ownerId: string,
    noteId: string,
    input: NoteContent,
    conditions: Preconditions,
  ): Promise<{ note: Note; created: boolean } | undefined> {
    const oneStatement = this.oneStatement;
    if (!oneStatement) return undefined;
    const current = await this.store.findOwned(this.store.db, ownerId, noteId);
    checkPreconditions(noteId, current, conditions);
    if (current) {
      if (current.photoIds.length > 0) return undefined;
      const changes = { ...input, photoIds: [], visibility: input.visibility ?? 'private' } as const;
      return { note: await this.updateInOneStatement(oneStatement, current, changes), created: false };
    }
    const note = newNote(ownerId, noteId, input, this.now());
    return (await this.outbox.writeOne(() => oneStatement.insertNew(note, insertChange(note)))) ? { note, created: true } : undefined;
  }

  /** The caller's live note, for a write outside a transaction: its version guards the write. */
  private async findForWrite(ownerId: string, noteId: string, conditions: Preconditions): Promise<Note> {
    const current = await this.store.findOwned(this.store.db, ownerId, noteId);
    if (!current) throw notFound(noteId);
    checkPreconditions(noteId, current, conditions);
    return current;
  }

  private async updateInOneStatement(oneStatement: OneStatementNoteWrites, current: Note, changes: NotePatch): Promise<Note> {
    const next = nextVersion(current, changes, this.now());
    if (!(await this.outbox.writeOne(() => oneStatement.update(next, current.version, modifyChange(current, next))))) {
      throw changedMeanwhile(current.noteId);
    }
    return next;
  }

  private async createOrReplay(trx: Kysely<Tables>, ownerId: string, item: NewNote): Promise<BatchOutcome> {
    try {
      return { outcome: 'created', note: await this.insert(trx, ownerId, item.noteId ?? randomUUID(), item) };
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      if (error.code === 'note_id_taken' && item.noteId !== undefined) {
        const current = await this.store.findOwned(trx, ownerId, item.noteId);
        if (current && holds(current, item)) return { outcome: 'replayed', note: current };
      }
      return failed(error);
    }
  }

  private async insert(trx: Kysely<Tables>, ownerId: string, noteId: string, input: NoteContent): Promise<Note> {
    const note = newNote(ownerId, noteId, input, this.now());
    if (note.photoIds.length > 0) await this.photos.assertOwned(trx, ownerId, note.photoIds);
    return this.add(trx, note);
  }

  /**
   * Writes a new note (at version 1) under an id its owner has no live note with, and records its
   * INSERT. Over the owner's tombstone of that id it continues the tombstone's versions, so the
   * index never mistakes it for an old change. Another identity's use of the id does not matter.
   */
  private async add(trx: Kysely<Tables>, fresh: Note): Promise<Note> {
    let note = fresh;
    if (!(await this.store.insertNew(trx, note))) {
      const use = await this.store.idUse(trx, note.ownerId, note.noteId);
      if (!use?.deleted) throw noteIdTaken(note.noteId);
      note = { ...note, version: use.version + 1 };
      if (!(await this.store.revive(trx, note, use.version))) throw changedMeanwhile(note.noteId);
    }
    await recordChange(trx, insertChange(note));
    return note;
  }

  private async forgetOldAnswers(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastForget < FORGET_EVERY_MS) return;
    this.lastForget = now;
    await this.store.forgetAnswers(this.store.db, { before: new Date(now - IDEMPOTENCY_TTL_MS) });
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}

class ConcurrentRetry extends Error {}

function checkPreconditions(noteId: string, current: Note | undefined, conditions: Preconditions): void {
  if (conditions.ifMatch !== undefined && !ifMatchAllows(conditions.ifMatch, current?.version)) {
    if (!current) {
      throw new Problem('precondition_failed', `Note ${noteId} does not exist, so If-Match cannot match. Create it without If-Match.`);
    }
    // Clients often send the version number ("1") where the ETag ("v1") belongs: name the tag to send.
    const etag = etagOf(current.version);
    throw new Problem(
      'precondition_failed',
      `Note ${noteId} is at version ${current.version}, whose ETag is ${etag}, and If-Match did not name it. If-Match takes ETags as the ETag header gives them, quotes included, not version numbers: if your change was made to version ${current.version}, send If-Match: ${etag}; otherwise GET the note again and apply your change to it first.`,
      { extensions: { currentVersion: current.version, currentEtag: etag } },
    );
  }
  if (current && conditions.ifNoneMatch?.trim() === '*') {
    throw new Problem(
      'precondition_failed',
      `Note ${noteId} exists and If-None-Match: * allows only creating it. Drop the header to replace it.`,
    );
  }
}

function replayOf(prior: { requestHash: string; body: unknown }, requestHash: string): NoteJson {
  if (prior.requestHash !== requestHash) {
    throw new Problem(
      'idempotency_key_reused',
      'This Idempotency-Key was already used for a different request. Use a new key for each new note, and the same key only to retry the same request.',
    );
  }
  return prior.body as NoteJson;
}

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function encodeListCursor(note: Note): string {
  return Buffer.from(JSON.stringify([note.createdAt.getTime(), note.noteId])).toString('base64url');
}

function decodeListCursor(cursor: string): { createdAt: number; noteId: string } {
  try {
    const [createdAt, noteId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(createdAt) && typeof noteId === 'string' && noteId.length <= 64) return { createdAt, noteId };
  } catch {}
  throw new Problem('validation_failed', 'The cursor is not valid. Use the nextCursor value of a previous answer as it is.');
}

const notFound = (noteId: string) =>
  new Problem('not_found', `You have no note with the id ${JSON.stringify(noteId)}. List your notes with GET /v1/notes.`);

const noteIdTaken = (noteId: string) =>
  new Problem(
    'note_id_taken',
    `You already have a note with the id ${JSON.stringify(noteId)}. To replace it send PUT /v1/notes/${noteId}; for a new note choose another id (a random UUID never collides).`,
  );

const changedMeanwhile = (noteId: string) =>
  new Problem('precondition_failed', `Note ${noteId} changed while this request ran. GET it again and retry.`);
