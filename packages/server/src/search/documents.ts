import type { Database } from '../db/database.js';
import type { IndexEntry } from './index.js';
import { scopeTokensOf } from './scope-tokens.js';

/**
 * The engine-neutral part of a SearchIndex over search_documents (portable SQL): the row an entry
 * becomes, the order entries are written in, and the reads and deletes that need no text search.
 */
export abstract class DocumentTable {
  constructor(protected readonly database: Database) {}

  /** Note ids the index holds, in order, after `afterNoteId`. */
  async noteIds(afterNoteId: string, limit: number): Promise<string[]> {
    const rows = await this.database.db
      .selectFrom('search_documents')
      .select('note_id')
      .where('note_id', '>', afterNoteId)
      .orderBy('note_id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.note_id);
  }

  /** Forgets the entries of these notes entirely, tombstones included. */
  async purge(noteIds: readonly string[]): Promise<void> {
    if (noteIds.length === 0) return;
    await this.database.db.deleteFrom('search_documents').where('note_id', 'in', noteIds).execute();
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
 * One entry per note, the one with the highest version (the last of equals), in note id order.
 * Applying them in order would end at the same state, and one statement may touch a row only once;
 * a fixed order keeps concurrent batches from deadlocking.
 */
export function latestPerNote(entries: readonly IndexEntry[]): IndexEntry[] {
  const latest = new Map<string, IndexEntry>();
  for (const entry of entries) {
    const held = latest.get(entry.noteId);
    if (!held || entry.version >= held.version) latest.set(entry.noteId, entry);
  }
  return [...latest.values()].sort((a, b) => (a.noteId < b.noteId ? -1 : a.noteId > b.noteId ? 1 : 0));
}
