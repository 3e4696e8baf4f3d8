import { Problem } from '../errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId, newSecret } from '../shared/secrets.js';
import type { Delivery, DeliveryQueue } from './deliveries.js';
import type { WebhookEventType } from './events.js';
import { targetRefusal } from './send.js';
import type { Webhook, WebhookStore } from './store.js';
import type { DeliveryStatus } from './tables.js';
import type { TargetPolicy } from './target-policy.js';

export interface WebhookInput {
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly description?: string;
}

export interface WebhookChanges {
  readonly url?: string;
  readonly events?: readonly WebhookEventType[];
  readonly description?: string;
  readonly paused?: boolean;
}

/** Webhooks one deployment may have: each costs a delivery per event. */
export const MAX_WEBHOOKS = 100;

/** Registering, changing and removing webhooks, rotating their secrets, reading and re-driving their deliveries. */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly queue: DeliveryQueue,
    private readonly policy: TargetPolicy,
    private readonly retryPeriodMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Registers a webhook; the answer holds its signing secret, which is never shown again. */
  async create(input: WebhookInput): Promise<{ webhook: Webhook; secret: string }> {
    await this.assertReachable(input.url);
    if ((await this.store.count()) >= MAX_WEBHOOKS) {
      throw new Problem('conflict', `A deployment may have ${MAX_WEBHOOKS} webhooks; remove one first.`);
    }
    // The change stream's time (stream/outbox.ts), not the clock: the fan-out sends a webhook the changes recorded after it.
    const now = new Date();
    const webhook: Webhook = {
      id: newId('whk'),
      url: input.url,
      events: [...input.events],
      description: input.description?.trim() ?? '',
      paused: false,
      secret: newSecret('whsec'),
      previousSecret: null,
      previousSecretUntil: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.insert(webhook);
    return { webhook, secret: webhook.secret };
  }

  list(): Promise<Webhook[]> {
    return this.store.list();
  }

  async get(id: string): Promise<Webhook> {
    const webhook = await this.store.find(id);
    if (!webhook) throw new Problem('not_found', `No webhook ${id}.`);
    return webhook;
  }

  /** Changes the URL, events, description or paused state; a paused webhook queues its deliveries until resumed. */
  async update(id: string, changes: WebhookChanges): Promise<Webhook> {
    const current = await this.get(id);
    if (changes.url !== undefined) await this.assertReachable(changes.url);
    const updated: Webhook = {
      ...current,
      ...(changes.url !== undefined && { url: changes.url }),
      ...(changes.events !== undefined && { events: [...changes.events] }),
      ...(changes.description !== undefined && { description: changes.description.trim() }),
      ...(changes.paused !== undefined && { paused: changes.paused }),
      updatedAt: new Date(this.clock.now()),
    };
    if (!(await this.store.replace(updated))) throw new Problem('not_found', `No webhook ${id}.`);
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw new Problem('not_found', `No webhook ${id}.`);
  }

  /**
   * A new signing secret; the old one keeps signing beside it for `graceSeconds` so the receiver
   * can switch without refusing a delivery. The answer holds the new secret, shown once.
   */
  async rotateSecret(id: string, graceSeconds: number): Promise<{ webhook: Webhook; secret: string }> {
    const current = await this.get(id);
    const now = new Date(this.clock.now());
    const webhook: Webhook = {
      ...current,
      secret: newSecret('whsec'),
      previousSecret: graceSeconds > 0 ? current.secret : null,
      previousSecretUntil: graceSeconds > 0 ? new Date(now.getTime() + graceSeconds * 1000) : null,
      updatedAt: now,
    };
    if (!(await this.store.replace(webhook))) throw new Problem('not_found', `No webhook ${id}.`);
    return { webhook, secret: webhook.secret };
  }

  async deliveries(id: string, filter: { status?: DeliveryStatus; limit: number }): Promise<Delivery[]> {
    await this.get(id);
    return this.queue.log(id, filter);
  }

  /** Sends a webhook's dead letters (or one) again, with a fresh retry period; answers how many. */
  async redrive(id: string, deliveryId?: string): Promise<number> {
    await this.get(id);
    const now = this.clock.now();
    const redriven = await this.queue.redrive(id, deliveryId, now, now + this.retryPeriodMs);
    if (deliveryId !== undefined && redriven === 0) throw new Problem('not_found', `No dead letter ${deliveryId} of webhook ${id}.`);
    return redriven;
  }

  private async assertReachable(url: string): Promise<void> {
    const refusal = await targetRefusal(url, this.policy);
    if (refusal) throw new Problem('validation_failed', `The webhook URL is refused: ${refusal}.`);
  }
}
