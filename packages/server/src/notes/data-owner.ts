import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import type { NotesService } from './service.js';
import type { NotesStore } from './store.js';

/**
 * Notes' part in merging and deleting identities. Every note moved or deleted is a write with its
 * own change record, so search follows (a moved note becomes searchable by its new owner, a
 * deleted one disappears). Idempotent: a retried merge finds nothing left to move.
 */
export class NotesDataOwner implements IdentityDataOwner {
  readonly name = 'notes';

  constructor(
    private readonly store: NotesStore,
    private readonly notes: NotesService,
  ) {}

  async moveData(trx: Kysely<Tables>, fromIdentityId: string, toIdentityId: string): Promise<void> {
    if (fromIdentityId === toIdentityId) return;
    for (const note of await this.store.allOwned(trx, fromIdentityId)) await this.notes.replace(trx, note, { ownerId: toIdentityId });
    await this.store.reassignTombstones(trx, fromIdentityId, toIdentityId);
    await this.store.forgetAnswers(trx, { ownerId: fromIdentityId });
  }

  async deleteData(trx: Kysely<Tables>, identityId: string): Promise<void> {
    for (const note of await this.store.allOwned(trx, identityId)) await this.notes.remove(trx, note);
    await this.store.forgetAnswers(trx, { ownerId: identityId });
  }
}
