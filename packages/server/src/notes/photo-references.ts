import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';

/**
 * Checks the photo ids a note references. Declared here and implemented by the photos capability
 * (photos/note-references.ts), so notes depend on no photo code; the notes service requires one.
 */
export interface PhotoReferences {
  /**
   * Throws a 4xx Problem unless every id names a photo that `ownerId` owns. Runs inside the
   * note's write transaction, so a photo deleted meanwhile cannot slip through.
   */
  assertOwned(trx: Kysely<Tables>, ownerId: string, photoIds: readonly string[]): Promise<void>;
}
