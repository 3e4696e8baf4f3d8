import type { Kysely, Selectable } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { Note } from './note.js';
import type { CreateOutcome, NoteTables } from './tables.js';

type Row = Selectable<NoteTables['notes']>;

/** How an identity has used one of its note ids, live or deleted: for deciding whether a create may use it. */
export interface NoteIdUse {
  readonly version: number;
  readonly deleted: boolean;
}

export interface ListPosition {
  readonly createdAt: number;
  readonly noteId: string;
}

export interface StoredAnswer {
  readonly requestHash: string;
  readonly outcome: CreateOutcome;
  readonly body: unknown;
}

/**
 * Note storage. A note is named by its owner and its id (the primary key): every identity has its
 * own note ids, and every query names the owner (`owner_id = ?`), so another identity's note is
 * indistinguishable from a missing one, to reads and creates alike. Methods taking `db` run inside
 * the caller's transaction.
 */
export class NotesStore {
  constructor(private readonly database: Database) {}

  /** For reads outside a transaction. */
  get db(): Kysely<Tables> {
    return this.database.db;
  }

  async findOwned(db: Kysely<Tables>, ownerId: string, noteId: string): Promise<Note | undefined> {
    const row = await db
      .selectFrom('notes')
      .selectAll()
      .where('note_id', '=', noteId)
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toNote(row);
  }

  /** The owner's live notes among these ids, by id, a few hundred ids per query. */
  async findOwnedMany(db: Kysely<Tables>, ownerId: string, noteIds: readonly string[]): Promise<Map<string, Note>> {
    const found = new Map<string, Note>();
    for (let i = 0; i < noteIds.length; i += ROWS_PER_STATEMENT) {
      const rows = await db
        .selectFrom('notes')
        .selectAll()
        .where('owner_id', '=', ownerId)
        .where('note_id', 'in', noteIds.slice(i, i + ROWS_PER_STATEMENT))
        .where('deleted_at', 'is', null)
        .execute();
      for (const row of rows) found.set(row.note_id, toNote(row));
    }
    return found;
  }

  /** Whether, and at which version, an identity used a note id (live or deleted): for deciding whether a create may take it. */
  async idUse(db: Kysely<Tables>, ownerId: string, noteId: string): Promise<NoteIdUse | undefined> {
    const row = await db
      .selectFrom('notes')
      .select(['version', 'deleted_at'])
      .where('owner_id', '=', ownerId)
      .where('note_id', '=', noteId)
      .executeTakeFirst();
    return row && { version: Number(row.version), deleted: row.deleted_at !== null };
  }

  /** Inserts a note under an id its owner never used; false (nothing written) when the owner has used it, live or deleted. */
  async insertNew(db: Kysely<Tables>, note: Note): Promise<boolean> {
    const result = await db
      .insertInto('notes')
      .values({ note_id: note.noteId, ...columns(note) })
      .onConflict((oc) => oc.columns(['owner_id', 'note_id']).doNothing())
      .executeTakeFirst();
    if (!result.numInsertedOrUpdatedRows) return false;
    await this.insertPhotos(db, note);
    return true;
  }

  /**
   * Inserts notes of one owner, without photos, under ids the owner never used, a few hundred per
   * statement; answers the ids written. Like insertNew, an id the owner used (live or deleted)
   * writes nothing, and so does a repeated id after its first.
   */
  async insertNewMany(db: Kysely<Tables>, notes: readonly Note[]): Promise<Set<string>> {
    const written = new Set<string>();
    for (let i = 0; i < notes.length; i += ROWS_PER_STATEMENT) {
      const rows = await db
        .insertInto('notes')
        .values(notes.slice(i, i + ROWS_PER_STATEMENT).map((note) => ({ note_id: note.noteId, ...columns(note) })))
        .onConflict((oc) => oc.columns(['owner_id', 'note_id']).doNothing())
        .returning('note_id')
        .execute();
      for (const row of rows) written.add(row.note_id);
    }
    return written;
  }

  /** Brings a note back over its owner's tombstone at `tombstoneVersion`; false when that tombstone is not there. */
  async revive(db: Kysely<Tables>, note: Note, tombstoneVersion: number): Promise<boolean> {
    const result = await db
      .updateTable('notes')
      .set(columns(note))
      .where('note_id', '=', note.noteId)
      .where('owner_id', '=', note.ownerId)
      .where('version', '=', tombstoneVersion)
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.insertPhotos(db, note);
    return true;
  }

  /** Replaces a live note if it is still at `expectedVersion`; false when it changed meanwhile. */
  async update(db: Kysely<Tables>, note: Note, expectedVersion: number): Promise<boolean> {
    const result = await db
      .updateTable('notes')
      .set(columns(note))
      .where('owner_id', '=', note.ownerId)
      .where('note_id', '=', note.noteId)
      .where('version', '=', expectedVersion)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.deletePhotos(db, note);
    await this.insertPhotos(db, note);
    return true;
  }

  /**
   * Turns a live note into a tombstone at `version`: its content is wiped, its id and version
   * stay so a later re-creation continues the version sequence. False when it changed meanwhile.
   */
  async markDeleted(db: Kysely<Tables>, note: Note, version: number, at: Date): Promise<boolean> {
    const result = await db
      .updateTable('notes')
      .set({ headline: '', text: '', photo_ids: '[]', version, updated_at: at.getTime(), deleted_at: at.getTime() })
      .where('owner_id', '=', note.ownerId)
      .where('note_id', '=', note.noteId)
      .where('version', '=', note.version)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await this.deletePhotos(db, note);
    return true;
  }

  /** An identity's notes, newest first, optionally only those referencing a photo. */
  async list(ownerId: string, options: { limit: number; after?: ListPosition; photoId?: string }): Promise<Note[]> {
    let query = this.database.db.selectFrom('notes').selectAll().where('owner_id', '=', ownerId).where('deleted_at', 'is', null);
    if (options.photoId !== undefined) {
      const photoId = options.photoId;
      query = query.where('note_id', 'in', (eb) =>
        eb.selectFrom('note_photos').select('note_id').where('owner_id', '=', ownerId).where('photo_id', '=', photoId),
      );
    }
    if (options.after) {
      const { createdAt, noteId } = options.after;
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('note_id', '<', noteId)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('note_id', 'desc').limit(options.limit).execute();
    return rows.map(toNote);
  }

  /** Every live note of an identity, for moving or deleting an identity's data. */
  async allOwned(db: Kysely<Tables>, ownerId: string): Promise<Note[]> {
    const rows = await db.selectFrom('notes').selectAll().where('owner_id', '=', ownerId).where('deleted_at', 'is', null).execute();
    return rows.map(toNote);
  }

  /** How many live notes an identity keeps (guests may have a cap). */
  async countLive(ownerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('notes')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** An identity's live notes that name `photoId`. */
  async referringTo(db: Kysely<Tables>, ownerId: string, photoId: string): Promise<Note[]> {
    const rows = await db
      .selectFrom('notes')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .where('note_id', 'in', (eb) =>
        eb.selectFrom('note_photos').select('note_id').where('owner_id', '=', ownerId).where('photo_id', '=', photoId),
      )
      .execute();
    return rows.map(toNote);
  }

  async findAnswer(db: Kysely<Tables>, ownerId: string, key: string): Promise<StoredAnswer | undefined> {
    const row = await db
      .selectFrom('note_idempotency')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return row && { requestHash: row.request_hash, outcome: row.outcome, body: JSON.parse(row.response) };
  }

  /** Remembers the first answer to a keyed request; false when another request stored one first. */
  async saveAnswer(db: Kysely<Tables>, ownerId: string, key: string, answer: StoredAnswer): Promise<boolean> {
    const result = await db
      .insertInto('note_idempotency')
      .values({
        owner_id: ownerId,
        idempotency_key: key,
        request_hash: answer.requestHash,
        outcome: answer.outcome,
        response: JSON.stringify(answer.body),
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.columns(['owner_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows !== undefined && result.numInsertedOrUpdatedRows > 0n;
  }

  async forgetAnswers(db: Kysely<Tables>, filter: { ownerId: string } | { before: Date }): Promise<void> {
    const query = db.deleteFrom('note_idempotency');
    await ('ownerId' in filter
      ? query.where('owner_id', '=', filter.ownerId)
      : query.where('created_at', '<', filter.before.getTime())
    ).execute();
  }

  private async deletePhotos(db: Kysely<Tables>, note: Note): Promise<void> {
    await db.deleteFrom('note_photos').where('owner_id', '=', note.ownerId).where('note_id', '=', note.noteId).execute();
  }

  private async insertPhotos(db: Kysely<Tables>, note: Note): Promise<void> {
    if (note.photoIds.length === 0) return;
    await db
      .insertInto('note_photos')
      .values(note.photoIds.map((photoId) => ({ note_id: note.noteId, photo_id: photoId, owner_id: note.ownerId })))
      .execute();
  }
}

/** Rows per multi-row insert: well under the bound on bound parameters of SQLite (32,766) and PostgreSQL (65,535). */
const ROWS_PER_STATEMENT = 500;

const columns = (note: Note) => ({
  owner_id: note.ownerId,
  headline: note.headline,
  text: note.text,
  photo_ids: JSON.stringify(note.photoIds),
  visibility: note.visibility,
  version: note.version,
  created_at: note.createdAt.getTime(),
  updated_at: note.updatedAt.getTime(),
  deleted_at: null,
});

export function toNote(row: Row): Note {
  return {
    noteId: row.note_id,
    ownerId: row.owner_id,
    headline: row.headline,
    text: row.text,
    photoIds: JSON.parse(row.photo_ids),
    visibility: row.visibility,
    version: Number(row.version),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}
