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

  async moveData(trx: Kysely<Tables>, fromIdentityId: string, toIdentityId: string): Promise<void> {
    for (const photo of await this.store.listAllOwned(trx, fromIdentityId)) {
      const moved = { ...photo, ownerId: toIdentityId, version: photo.version + 1, updatedAt: new Date() };
      if (!(await this.store.replace(trx, moved))) throw new Error(`Photo ${photo.id} changed during the merge.`);
      await this.changes.record(trx, photoChange(photo, moved));
    }
  }

  async deleteData(trx: Kysely<Tables>, identityId: string): Promise<void> {
    for (const photo of await this.store.listAllOwned(trx, identityId)) {
      if (!(await this.store.delete(trx, photo))) throw new Error(`Photo ${photo.id} changed during the deletion.`);
      await this.changes.record(trx, photoChange(photo, null));
    }
    await this.store.forgetOwner(trx, identityId);
  }
}
