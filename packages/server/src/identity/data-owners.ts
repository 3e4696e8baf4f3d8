import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';

/**
 * A capability that owns data on behalf of identities (notes, photos, …). The identity service
 * calls every registered owner when a guest is merged into another identity and when an
 * identity is deleted, so it never needs to know what the data is.
 */
export interface IdentityDataOwner {
  /** For logs and errors, e.g. "notes". */
  readonly name: string;
  /**
   * Moves everything `fromIdentityId` owns to `toIdentityId`, inside the caller's transaction.
   * Must be idempotent: a retried merge moves nothing twice.
   */
  moveData(trx: Kysely<Tables>, fromIdentityId: string, toIdentityId: string): Promise<void>;
  /** Deletes everything `identityId` owns, inside the caller's transaction. Idempotent. */
  deleteData(trx: Kysely<Tables>, identityId: string): Promise<void>;
}
