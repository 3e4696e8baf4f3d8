import type { Database } from '../db/database.js';
import type { IndexEntry } from '../search/index.js';
import type { ReindexSource } from '../search/reindex.js';
import { toNote } from './store.js';

/** The notes table as `shoebox reindex` reads it: every note id, live or tombstoned, in id order. */
export class NoteIndexSource implements ReindexSource {
  constructor(private readonly database: Database) {}

  async count(): Promise<number> {
    const row = await this.database.db
      .selectFrom('notes')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async page(afterNoteId: string, limit: number): Promise<IndexEntry[]> {
    const rows = await this.database.db
      .selectFrom('notes')
      .selectAll()
      .where('note_id', '>', afterNoteId)
      .orderBy('note_id')
      .limit(limit)
      .execute();
    return rows.map((row): IndexEntry => {
      if (row.deleted_at !== null) return { noteId: row.note_id, ownerId: row.owner_id, version: Number(row.version), removed: true };
      const note = toNote(row);
      return { ...note, removed: false };
    });
  }

  async existing(noteIds: readonly string[]): Promise<Set<string>> {
    if (noteIds.length === 0) return new Set();
    const rows = await this.database.db.selectFrom('notes').select('note_id').where('note_id', 'in', noteIds).execute();
    return new Set(rows.map((row) => row.note_id));
  }
}
