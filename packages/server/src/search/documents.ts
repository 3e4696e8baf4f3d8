import type { Database } from '../db/database.js';

/** The engine-neutral part of a SearchIndex over search_documents (portable SQL). */

/** Note ids the index holds, in order, after `afterNoteId`. */
export async function documentNoteIds(database: Database, afterNoteId: string, limit: number): Promise<string[]> {
  const rows = await database.db
    .selectFrom('search_documents')
    .select('note_id')
    .where('note_id', '>', afterNoteId)
    .orderBy('note_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.note_id);
}

/** Forgets the entries of these notes entirely, tombstones included. */
export async function purgeDocuments(database: Database, noteIds: readonly string[]): Promise<void> {
  if (noteIds.length === 0) return;
  await database.db.deleteFrom('search_documents').where('note_id', 'in', noteIds).execute();
}
