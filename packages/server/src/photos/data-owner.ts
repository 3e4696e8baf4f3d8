import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import { type PhotoChangeLog, photoChange } from './changes.js';
import type { PhotoStore } from './store.js';

/**
 * Photos follow their identity: a merged guest's photos move to the identity it joins, and a
 * deleted identity's photos go with it. Both run inside the identity service's transaction and
 * record their changes there; blobs are deleted by the photo processor when it handles the
 * REMOVE changes, that is only once the deletion has committed.
 */
export class PhotoDataOwner implements IdentityDataOwner {
  readonly name = 'photos';

  constructor(
    private readonly store: PhotoStore,
    private readonly changes: PhotoChangeLog,
  ) {}

  /** The photo processor may finish a photo meanwhile: each moves at its latest version. */
  async moveData(trx: Kysely<Tables>, fromIdentityId: string, toIdentityId: string): Promise<void> {
    for (const { id } of await this.store.listAllOwned(trx, fromIdentityId)) {
      const { before, after } = await this.store.update(trx, id, (current) =>
        current.ownerId === fromIdentityId ? { ...current, ownerId: toIdentityId } : undefined,
      );
      if (before && after) await this.changes.record(trx, photoChange(before, after));
    }
  }

  /**
   * Takes the quota locks of the identity's API keys, then its own, before touching its photos: in
   * the order the photo processor takes them when it records variants (quota locks, keys first,
   * then the photo). Another order could deadlock with it on PostgreSQL. The keys read here are
   * all there will be: the deletion already excludes the identity's photo creates (identity/owner-locks.ts).
   */
  async deleteData(trx: Kysely<Tables>, identityId: string): Promise<void> {
    const now = Date.now();
    for (const apiKeyId of await this.store.apiKeysOf(trx, identityId)) await this.store.lockApiKey(trx, apiKeyId, now);
    await this.store.lockOwner(trx, identityId, now);
    for (const photo of await this.store.deleteAllOwned(trx, identityId)) await this.changes.record(trx, photoChange(photo, null));
    await this.store.forgetOwner(trx, identityId);
  }
}
