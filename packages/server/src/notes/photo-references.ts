import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';

/**
 * Checks the photo ids a note references. The photos capability provides it; until then notes
 * store the ids as given (bounded in number and shape by the schema) without checking them.
 */
export interface PhotoReferences {
  /**
   * Throws a 4xx Problem unless every id names a photo that `ownerId` owns. Runs inside the
   * note's write transaction, so a photo deleted meanwhile cannot slip through.
   */
  assertOwned(trx: Kysely<Tables>, ownerId: string, photoIds: readonly string[]): Promise<void>;
}
