import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import type { PhotoReferences } from '../notes/photo-references.js';
import type { NotesService } from '../notes/service.js';
import type { NotesStore } from '../notes/store.js';
import type { PhotoReferrer } from './service.js';
import type { PhotoStore } from './store.js';

/**
 * Notes may name photos (`photoIds`): only their owner's own. Checked inside the note's write
 * transaction under the owner's photo lock, which deleting a photo takes too, so a note can never
 * commit a reference to a photo deleted meanwhile (PostgreSQL runs both at once otherwise).
 */
export class OwnedPhotos implements PhotoReferences {
  constructor(private readonly store: PhotoStore) {}

  async assertOwned(trx: Kysely<Tables>, ownerId: string, photoIds: readonly string[]): Promise<void> {
    await this.store.lockOwner(trx, ownerId, Date.now());
    const wanted = [...new Set(photoIds)];
    const owned = await this.store.ownedAmong(trx, ownerId, wanted);
    const missing = wanted.filter((id) => !owned.has(id));
    if (missing.length > 0) {
      const message = `names photos that are not yours or no longer exist: ${missing.join(', ')}`;
      throw new Problem('validation_failed', `body.photoIds ${message}. Refer only to your own photos.`, {
        extensions: { errors: [{ field: 'body.photoIds', message }] },
      });
    }
  }
}

/**
 * When a photo is deleted, the notes that named it lose it: each is rewritten without the id at
 * its next version with a MODIFY change, in the deleting transaction, so search stays right.
 */
export class NotesReferringToPhotos implements PhotoReferrer {
  constructor(
    private readonly store: NotesStore,
    private readonly notes: NotesService,
  ) {}

  async forgetPhoto(trx: Kysely<Tables>, ownerId: string, photoId: string): Promise<void> {
    for (const note of await this.store.referringTo(trx, ownerId, photoId)) {
      await this.notes.replace(trx, note, { photoIds: note.photoIds.filter((id) => id !== photoId) });
    }
  }
}
