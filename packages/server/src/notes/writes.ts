import type { NewChange } from '../stream/outbox.js';
import type { Note } from './note.js';

/**
 * Note writes made together with their change record by one statement, for an engine where that
 * saves round trips (PostgreSQL: a data-modifying CTE, atomic without BEGIN and COMMIT). Each
 * covers notes without photos only (their note_photos rows need reads and writes of their own)
 * and returns false, having written nothing, when its condition does not hold; the service then
 * takes its transactional path, which finds out why. The embedded engine has none: its
 * transactions are in-process and cost no round trips.
 */
export interface OneStatementNoteWrites {
  /**
   * Inserts a note its owner never used the id of, with its INSERT change, holding the owner as
   * NotesService's transactions do (LiveCallers.holdOwner). With `sessionId`, only while the owner
   * and that session of theirs are live (not deleted, disabled or revoked): the check the identity
   * guard would otherwise have made in a round trip of its own.
   */
  insertNew(note: Note, change: NewChange, sessionId?: string): Promise<boolean>;
  /** Replaces a live note still at `expectedVersion`, with its MODIFY change. */
  update(note: Note, expectedVersion: number, change: NewChange): Promise<boolean>;
  /** Tombstones a live note still at `note.version`, at `version`, with its REMOVE change. */
  markDeleted(note: Note, version: number, at: Date, change: NewChange): Promise<boolean>;
}
