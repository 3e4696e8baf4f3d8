import type { IdentityLocks } from '../identity/owner-locks.js';
import { wordless } from '../notes/note.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId } from '../shared/secrets.js';
import type { Change } from '../stream/change.js';
import type { StreamConsumer } from '../stream/consumer.js';
import type { DeliveryQueue, NewDelivery } from './deliveries.js';
import { eventOf, laneOf } from './events.js';
import type { WebhookStore } from './store.js';

/**
 * The webhooks' consumer of the change stream: turns each change into a queued delivery per
 * webhook that wants its event type, and nothing more. Sending is the dispatcher's, on its own
 * loop, so a slow or failing endpoint never holds up the stream, its other consumers or note
 * writes. Idempotent: a change handed over again finds its deliveries queued (one per webhook and
 * seq). A webhook gets only the changes made since it was registered, even when this consumer
 * lags behind.
 */
export class WebhookFanout implements StreamConsumer {
  readonly name = 'webhooks';
  readonly entities = ['note', 'photo'] as const;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly queue: DeliveryQueue,
    /** Which identities the queued notes' owners still are (identity/owner-locks.ts). */
    private readonly owners: Pick<IdentityLocks, 'holdExisting'>,
    private readonly retryPeriodMs: number,
    /** Told after deliveries were queued, so this process's dispatcher sends them at once. */
    private readonly queued: () => void,
    private readonly clock: Clock = systemClock,
  ) {}

  handle(change: Change): Promise<void> {
    return this.handleBatch([change]);
  }

  /**
   * The deliveries are made inside the transaction that queues them, holding the identities whose
   * notes they carry (identity/owner-locks.ts): a note's words read from the stream just before its
   * identity was deleted are not queued after the deletion blanked the queue (webhooks/data-owner.ts).
   */
  async handleBatch(changes: readonly Change[]): Promise<void> {
    const events = changes.flatMap((change) => {
      const event = eventOf(change);
      return event ? [{ change, event }] : [];
    });
    if (events.length === 0) return;
    const webhooks = await this.webhooks.list();
    const now = this.clock.now();
    const noteOwners = [...new Set(events.flatMap(({ change }) => (change.entity === 'note' ? [change.ownerId] : [])))];
    const queued = await this.queue.enqueue(async (trx) => {
      const existing = await this.owners.holdExisting(trx, noteOwners);
      const deliveries: NewDelivery[] = [];
      for (const { change, event } of events) {
        const carried = change.entity === 'note' && !existing.has(change.ownerId) ? { ...event, data: wordless(event.data) } : event;
        for (const webhook of webhooks) {
          if (!webhook.events.includes(event.type) || change.createdAt < webhook.createdAt) continue;
          const id = newId('evt');
          deliveries.push({
            id,
            webhook_id: webhook.id,
            seq: change.seq,
            owner_id: change.ownerId,
            lane: laneOf(change),
            type: event.type,
            body: JSON.stringify({ id, ...carried }),
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            retry_until: now + this.retryPeriodMs,
            lease_until: 0,
            last_status_code: null,
            last_error: null,
            latency_ms: null,
            created_at: now,
            finished_at: null,
          });
        }
      }
      return deliveries;
    });
    if (queued > 0) this.queued();
  }
}
