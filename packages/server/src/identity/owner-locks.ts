import type { Kysely } from 'kysely';
import type { Engine, Tables } from '../db/database.js';
import { deletedProblem, disabledProblem } from './sessions.js';

type LockMode = 'share' | 'update';

/**
 * Row locks that keep an identity's data with it. A write creating something an identity owns
 * first holds the identity (`holdOwner`); deleting an identity, or merging a guest away, first
 * excludes those writes (`exclude`), before any data owner runs. Without them a write whose caller
 * was checked while still live could commit just after the deletion had collected the identity's
 * data, leaving a note or photo behind with no identity, and no way for anyone to erase it.
 *
 * PostgreSQL: FOR SHARE against FOR UPDATE on the identity's row, each taken before any other
 * lock of its transaction (quota locks included), so the two orders never cross. The embedded
 * engine runs one write transaction at a time: reading the row inside it is enough.
 */
export class IdentityLocks {
  constructor(private readonly engine: Engine) {}

  /**
   * The identity exists and has not been merged into another, and stays so until `trx` ends;
   * otherwise throws the problem its requests answer. An identity disabled by an administrator
   * keeps its data (its own requests are refused by the identity guard; imports may still add to it).
   */
  async holdOwner(trx: Kysely<Tables>, identityId: string): Promise<void> {
    const row = await this.lock(trx, identityId, 'share');
    if (!row) throw deletedProblem();
    if (row.merged_into !== null) throw disabledProblem(row.merged_into);
  }

  /**
   * Holds those of the identities that exist, as `holdOwner` does, until `trx` ends, and answers
   * them: for a write carrying several identities' data that must know which were deleted.
   */
  async holdExisting(trx: Kysely<Tables>, identityIds: readonly string[]): Promise<Set<string>> {
    if (identityIds.length === 0) return new Set();
    const rows = await this.locked(
      trx.selectFrom('identities').select('id').where('id', 'in', identityIds).orderBy('id'),
      'share',
    ).execute();
    return new Set(rows.map((row) => row.id));
  }

  /** Waits for the writes holding the identity, and keeps new ones waiting until `trx` ends. */
  async exclude(trx: Kysely<Tables>, identityId: string): Promise<void> {
    await this.lock(trx, identityId, 'update');
  }

  private lock(trx: Kysely<Tables>, identityId: string, mode: LockMode) {
    return this.locked(trx.selectFrom('identities').select('merged_into').where('id', '=', identityId), mode).executeTakeFirst();
  }

  /** The query with the row lock of `mode` on PostgreSQL; as it is on SQLite, whose write transactions run one at a time. */
  private locked<Q extends { forShare(): Q; forUpdate(): Q }>(query: Q, mode: LockMode): Q {
    if (this.engine === 'sqlite') return query;
    return mode === 'share' ? query.forShare() : query.forUpdate();
  }
}
