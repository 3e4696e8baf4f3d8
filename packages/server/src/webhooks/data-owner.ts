import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import { wordless } from '../notes/note.js';
import type { DeliveryQueue } from './deliveries.js';

/**
 * Queued webhook deliveries carry notes' words. When an identity is deleted they lose them, as the
 * change stream's images do (notes/data-owner.ts): the deliveries still go out, naming the notes
 * without headline and text; the fan-out queues none with words after (fanout.ts). A merge moves
 * nothing: the deliveries describe changes already made.
 */
export class WebhookDataOwner implements IdentityDataOwner {
  readonly name = 'webhooks';

  constructor(private readonly queue: DeliveryQueue) {}

  async moveData(): Promise<void> {}

  async deleteData(trx: Kysely<Tables>, identityId: string): Promise<void> {
    await this.queue.rewriteNoteData(trx, identityId, wordless);
  }
}
