import type { Database } from '../db/database.js';
import { byKey, type IndexEntry, keyOf, type NoteKey } from './index.js';
import { scopeTokensOf } from './scope-tokens.js';

/**
 * The engine-neutral part of a SearchIndex over search_documents (portable SQL): the row an entry
 * becomes, the order entries are written in, and the reads and deletes that need no text search.
 */
export abstract class DocumentTable {
  constructor(protected readonly database: Database) {}

  /** Notes the index holds, in key order, after `after` (along the owner + note id unique index). */
  async keys(after: NoteKey | undefined, limit: number): Promise<NoteKey[]> {
    let query = this.database.db.selectFrom('search_documents').select(['owner_id', 'note_id']);
    if (after) query = query.where((eb) => eb(eb.refTuple('owner_id', 'note_id'), '>', eb.tuple(after.ownerId, after.noteId)));
    const rows = await query.orderBy('owner_id').orderBy('note_id').limit(limit).execute();
    return rows.map((row) => ({ ownerId: row.owner_id, noteId: row.note_id }));
  }

  /** Forgets the entries of these notes entirely, tombstones included: one statement per owner. */
  async purge(keys: readonly NoteKey[]): Promise<void> {
    const idsByOwner = new Map<string, string[]>();
    for (const { ownerId, noteId } of keys) idsByOwner.set(ownerId, [...(idsByOwner.get(ownerId) ?? []), noteId]);
    for (const [ownerId, noteIds] of idsByOwner) {
      await this.database.db.deleteFrom('search_documents').where('owner_id', '=', ownerId).where('note_id', 'in', noteIds).execute();
    }
  }
}

export interface DocumentRow {
  readonly note_id: string;
  readonly owner_id: string;
  readonly visibility: 'private' | 'public';
  readonly version: number;
  readonly headline: string;
  readonly text: string;
  readonly scope: string;
  readonly updated_at: number;
  readonly removed_at: number | null;
}

/** The row an entry becomes. A removal is a tombstone: no text, no scope words, the version it was removed at. */
export function documentRow(entry: IndexEntry, now: number): DocumentRow {
  const key = { note_id: entry.noteId, owner_id: entry.ownerId, version: entry.version };
  if (entry.removed) return { ...key, visibility: 'private', headline: '', text: '', scope: '', updated_at: now, removed_at: now };
  return {
    ...key,
    visibility: entry.visibility,
    headline: entry.headline,
    text: entry.text,
    scope: scopeTokensOf(entry),
    updated_at: entry.updatedAt.getTime(),
    removed_at: null,
  };
}

/**
 * One entry per note (owner and id), the one with the highest version (the last of equals), in key
 * order. Applying them in order would end at the same state, and one statement may touch a row
 * only once; a fixed order keeps concurrent batches from deadlocking.
 */
export function latestPerNote(entries: readonly IndexEntry[]): IndexEntry[] {
  const latest = new Map<string, IndexEntry>();
  for (const entry of entries) {
    const held = latest.get(keyOf(entry));
    if (!held || entry.version >= held.version) latest.set(keyOf(entry), entry);
  }
  return [...latest.values()].sort(byKey);
}
