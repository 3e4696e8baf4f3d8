import type { Database } from '../db/database.js';
import { type IndexEntry, keyOf, type NoteKey } from '../search/index.js';
import type { ReindexSource } from '../search/reindex.js';
import { toNote } from './store.js';

/** The notes table as `shoebox reindex` reads it: every note, live or tombstoned, in key order. */
export class NoteIndexSource implements ReindexSource {
  constructor(private readonly database: Database) {}

  async count(): Promise<number> {
    const row = await this.database.db
      .selectFrom('notes')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async page(after: NoteKey | undefined, limit: number): Promise<IndexEntry[]> {
    let query = this.database.db.selectFrom('notes').selectAll();
    if (after) query = query.where((eb) => eb(eb.refTuple('owner_id', 'note_id'), '>', eb.tuple(after.ownerId, after.noteId)));
    const rows = await query.orderBy('owner_id').orderBy('note_id').limit(limit).execute();
    return rows.map((row): IndexEntry => {
      if (row.deleted_at !== null) return { noteId: row.note_id, ownerId: row.owner_id, version: Number(row.version), removed: true };
      const note = toNote(row);
      return { ...note, removed: false };
    });
  }

  /** One query along the primary key: every owner named with every id, the few extra rows that may match dropped here. */
  async existing(keys: readonly NoteKey[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const wanted = new Set(keys.map(keyOf));
    const rows = await this.database.db
      .selectFrom('notes')
      .select(['owner_id', 'note_id'])
      .where('owner_id', 'in', [...new Set(keys.map((key) => key.ownerId))])
      .where('note_id', 'in', [...new Set(keys.map((key) => key.noteId))])
      .execute();
    return new Set(rows.map((row) => keyOf({ ownerId: row.owner_id, noteId: row.note_id })).filter((key) => wanted.has(key)));
  }
}
