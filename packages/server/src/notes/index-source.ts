import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { HotQuery } from '../db/hot-query.js';
import { type IndexEntry, keyOf, type NoteKey } from '../search/index.js';
import type { LiveNotes, NoteState } from '../search/live-search.js';
import type { ReindexSource } from '../search/reindex.js';
import { BoundedMap } from '../shared/bounded-map.js';
import { toNote } from './store.js';

interface NoteStateRow {
  owner_id: string;
  note_id: string;
  version: number;
  visibility: NoteState['visibility'];
  deleted_at: number | null;
}

/** Compiled lookups kept, by how many owners and ids they name: a search page asks the same few. */
const LOOKUP_SHAPES = 200;

/**
 * The notes table as search reads it: every note, live or tombstoned, in key order for
 * `shoebox reindex`, and the current state of the notes a search page found.
 */
export class NoteIndexSource implements ReindexSource, LiveNotes {
  private readonly lookups = new BoundedMap<string, HotQuery<string[], NoteStateRow>>(LOOKUP_SHAPES);

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

  async existing(keys: readonly NoteKey[]): Promise<Set<string>> {
    return new Set((await this.among(keys)).keys());
  }

  async live(keys: readonly NoteKey[]): Promise<Map<string, NoteState>> {
    const live = new Map<string, NoteState>();
    for (const [key, row] of await this.among(keys)) {
      if (row.deleted_at === null) live.set(key, { version: Number(row.version), visibility: row.visibility });
    }
    return live;
  }

  /**
   * The rows of these notes, by keyOf, in one query along the primary key: every owner named with
   * every id, which may read a few rows more (another of the owners' notes with one of the ids)
   * that are dropped here.
   */
  private async among(keys: readonly NoteKey[]) {
    const found = new Map<string, NoteStateRow>();
    if (keys.length === 0) return found;
    const wanted = new Set(keys.map(keyOf));
    const owners = [...new Set(keys.map((key) => key.ownerId))];
    const ids = [...new Set(keys.map((key) => key.noteId))];
    const rows = await this.lookup(owners.length, ids.length).execute(...owners, ...ids);
    for (const row of rows) {
      const key = keyOf({ ownerId: row.owner_id, noteId: row.note_id });
      if (wanted.has(key)) found.set(key, row);
    }
    return found;
  }

  /** The lookup of `owners` owners and `ids` note ids, built and compiled once per shape (db/hot-query.ts). */
  private lookup(owners: number, ids: number): HotQuery<string[], NoteStateRow> {
    const shape = `${owners}:${ids}`;
    const kept = this.lookups.get(shape);
    if (kept) return kept;
    const query = new HotQuery(this.database.db, owners + ids, (db: Kysely<Tables>, ...params: string[]) =>
      db
        .selectFrom('notes')
        .select(['owner_id', 'note_id', 'version', 'visibility', 'deleted_at'])
        .where('owner_id', 'in', params.slice(0, owners))
        .where('note_id', 'in', params.slice(owners)),
    );
    this.lookups.set(shape, query);
    return query;
  }
}
