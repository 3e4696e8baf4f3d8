import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import { rewriteImages } from '../stream/outbox.js';
import { wordless } from './note.js';
import type { NotesService } from './service.js';
import type { NotesStore } from './store.js';

/**
 * Notes' part in merging and deleting identities. Every note moved or deleted is a write with its
 * own change records, so search follows (a moved note becomes searchable by its new owner, a
 * deleted one disappears). Either way the identity ends with no live note, and its words leave the
 * change stream in the same transaction: every change recorded for its notes keeps its row (so
 * consumers still see each one, in order) but loses headline and text. Idempotent: a retried merge
 * or deletion finds nothing left to move or remove.
 */
export class NotesDataOwner implements IdentityDataOwner {
  readonly name = 'notes';

  constructor(
    private readonly store: NotesStore,
    private readonly notes: NotesService,
  ) {}

  async moveData(trx: Kysely<Tables>, fromIdentityId: string, toIdentityId: string): Promise<void> {
    if (fromIdentityId === toIdentityId) return;
    for (const note of await this.store.allOwned(trx, fromIdentityId)) await this.notes.move(trx, note, toIdentityId);
    await this.forgetWords(trx, fromIdentityId);
  }

  async deleteData(trx: Kysely<Tables>, identityId: string): Promise<void> {
    for (const note of await this.store.allOwned(trx, identityId)) await this.notes.remove(trx, note);
    await this.forgetWords(trx, identityId);
  }

  /** Leaves none of the identity's words behind: not in its change images, not in its remembered answers. */
  private async forgetWords(trx: Kysely<Tables>, identityId: string): Promise<void> {
    await rewriteImages(trx, { entity: 'note', ownerId: identityId }, wordless);
    await this.store.forgetAnswers(trx, { ownerId: identityId });
  }
}
