import type { PostgresDatabase } from '../db/postgres.js';
import { changeRow, type NewChange } from '../stream/outbox.js';
import type { Note } from './note.js';
import type { OneStatementNoteWrites } from './writes.js';

/**
 * The note row is written in a CTE and the change record (stream/outbox.ts, recordChange) is
 * inserted from what it returns, so a write that matched nothing records no change. The change's
 * seq comes from its column default, stream_next_seq(), as in every other write (migration 007).
 */
const recordFrom = (source: string) => `
  insert into stream_changes (entity, entity_id, owner_id, op, version, old_image, new_image, created_at)
  select $1, w.note_id, w.owner_id, $2, w.version, $3, $4, $5 from ${source} w`;

/*
 * The owner is held as identity/owner-locks.ts holds it (neither deleted nor merged away until
 * this commits). $14, when given, is the caller's session: then the identity guard's liveness
 * check too (identity/sessions.ts, assertLive).
 */
const INSERT_NEW = `
  with w as (
    insert into notes (note_id, owner_id, headline, text, photo_ids, visibility, version, created_at, updated_at, deleted_at)
    select $6, $7, $8, $9, '[]', $10, $11, $12, $13, null
    where exists (
      select 1 from identities i
      where i.id = $7 and i.merged_into is null and ($14::text is null or i.disabled_at is null and exists (
        select 1 from identity_sessions s where s.id = $14 and s.identity_id = i.id and s.revoked_at is null))
      for share of i)
    on conflict (owner_id, note_id) do nothing
    returning note_id, owner_id, version)
  ${recordFrom('w')}`;

const UPDATE = `
  with w as (
    update notes set headline = $8, text = $9, photo_ids = '[]', visibility = $10, version = $11, created_at = $12, updated_at = $13
    where owner_id = $7 and note_id = $6 and version = $14 and deleted_at is null
    returning note_id, owner_id, version)
  ${recordFrom('w')}`;

// A tombstoned note references no photo: its note_photos rows go with it.
const MARK_DELETED = `
  with w as (
    update notes set headline = '', text = '', photo_ids = '[]', version = $8, updated_at = $9, deleted_at = $9
    where owner_id = $7 and note_id = $6 and version = $10 and deleted_at is null
    returning note_id, owner_id, version),
  p as (delete from note_photos where owner_id = $7 and note_id = $6 and exists (select 1 from w))
  ${recordFrom('w')}`;

/** $6 to $13 of INSERT_NEW and UPDATE. */
const noteValues = (note: Note) => [
  note.noteId,
  note.ownerId,
  note.headline,
  note.text,
  note.visibility,
  note.version,
  note.createdAt.getTime(),
  note.updatedAt.getTime(),
];

/**
 * PostgreSQL: each write is one named (prepared once per connection) statement, one round trip,
 * instead of BEGIN, the note's write, its change's insert and COMMIT.
 */
export class PostgresNoteWrites implements OneStatementNoteWrites {
  constructor(private readonly database: PostgresDatabase) {}

  insertNew(note: Note, change: NewChange, sessionId?: string): Promise<boolean> {
    return this.run('shoebox-note-insert', INSERT_NEW, change, [...noteValues(note), sessionId ?? null]);
  }

  update(note: Note, expectedVersion: number, change: NewChange): Promise<boolean> {
    return this.run('shoebox-note-update', UPDATE, change, [...noteValues(note), expectedVersion]);
  }

  markDeleted(note: Note, version: number, at: Date, change: NewChange): Promise<boolean> {
    return this.run('shoebox-note-delete', MARK_DELETED, change, [note.noteId, note.ownerId, version, at.getTime(), note.version]);
  }

  private async run(name: string, text: string, change: NewChange, noteValues: readonly unknown[]): Promise<boolean> {
    const row = changeRow(change);
    const values = [row.entity, row.op, row.old_image, row.new_image, row.created_at, ...noteValues];
    const result = await this.database.pool.query({ name, text, values });
    return result.rowCount === 1;
  }
}
