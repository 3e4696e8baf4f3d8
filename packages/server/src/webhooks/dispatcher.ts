import { type Clock, systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/observability.js';
import { backoffMs } from '../stream/retries.js';
import { ChangeSignal } from '../stream/signal.js';
import type { DeliveryQueue, DueDelivery } from './deliveries.js';
import { send } from './send.js';
import { signatureHeader } from './signature.js';
import { signingSecrets, type Webhook, type WebhookStore } from './store.js';
import type { TargetPolicy } from './target-policy.js';

export interface DispatcherSettings {
  readonly timeoutMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** How often it looks for deliveries nobody woke it for (other processes' fan-out, due retries). */
  readonly pollMs: number;
  /** Delivered deliveries are kept in the log this long. */
  readonly logRetentionMs: number;
}

/** Sends in flight per process, and per webhook: a slow endpoint can hold only its share. */
const MAX_IN_FLIGHT = 32;
const MAX_IN_FLIGHT_PER_WEBHOOK = 4;
const PRUNE_EVERY_MS = 60_000;

/**
 * Drains the delivery queue on a loop of its own, apart from the change stream: claims due
 * deliveries, POSTs them signed, and records each attempt. A failure is retried with exponential
 * backoff and jitter until the delivery's retry period ends, then it becomes a dead letter that
 * the admin API or CLI can re-drive. Sends run side by side, a bounded number per webhook, so an
 * endpoint that hangs until the timeout delays nobody else. At least once: a crash after a send
 * and before its record means it is sent again once its lease lapses, with the same delivery id.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Map<string, number>();
  private readonly sending = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Rung when deliveries are queued, a send ends or the dispatcher stops; otherwise it looks every pollMs. */
  private readonly doorbell = new ChangeSignal();
  private prunedAt = 0;

  constructor(
    private readonly webhooks: WebhookStore,
    private readonly queue: DeliveryQueue,
    private readonly policy: TargetPolicy,
    private readonly settings: DispatcherSettings,
    private readonly log: Pick<Logger, 'warn'>,
    /** When deliveries are due, retried and given up, and which secrets sign them. */
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops taking deliveries and waits for the sends in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.loop = undefined;
    await Promise.all(this.sending);
  }

  /** Deliveries were queued or a send ended: look again now rather than at the next poll. */
  wake(): void {
    this.doorbell.ring();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.fill();
        await this.prune();
      } catch (error) {
        this.log.warn({ err: error }, 'webhook dispatcher pass failed; trying again at the next poll');
      }
      await this.doorbell.wait(this.settings.pollMs);
    }
  }

  private async fill(): Promise<void> {
    const free = MAX_IN_FLIGHT - this.sending.size;
    if (free <= 0) return;
    const busy = [...this.inFlight].filter(([, n]) => n >= MAX_IN_FLIGHT_PER_WEBHOOK).map(([id]) => id);
    const now = this.clock.now();
    const room = new Map(this.inFlight);
    const wanted = (await this.queue.due(now, free, busy)).filter((delivery) => {
      const taken = room.get(delivery.webhookId) ?? 0;
      if (taken >= MAX_IN_FLIGHT_PER_WEBHOOK) return false;
      room.set(delivery.webhookId, taken + 1);
      return true;
    });
    if (wanted.length === 0 || this.stopping) return;
    // Long enough for a whole attempt; a dispatcher that dies mid-send leaves them to another after that.
    const claimed = await this.queue.claim(
      wanted.map((delivery) => delivery.id),
      now,
      this.clock.now() + 2 * this.settings.timeoutMs + 5_000,
    );
    const webhooks = new Map((await this.webhooks.list()).map((webhook) => [webhook.id, webhook]));
    for (const delivery of wanted) {
      const webhook = webhooks.get(delivery.webhookId);
      if (claimed.has(delivery.id) && webhook) this.track(webhook, delivery);
    }
  }

  private track(webhook: Webhook, delivery: DueDelivery): void {
    const { webhookId } = delivery;
    this.inFlight.set(webhookId, (this.inFlight.get(webhookId) ?? 0) + 1);
    const sending: Promise<void> = this.deliver(webhook, delivery)
      .catch((error) => this.log.warn({ err: error, delivery: delivery.id }, 'webhook delivery could not be recorded; it is sent again'))
      .finally(() => {
        this.sending.delete(sending);
        const left = (this.inFlight.get(webhookId) ?? 1) - 1;
        if (left === 0) this.inFlight.delete(webhookId);
        else this.inFlight.set(webhookId, left);
        this.wake();
      });
    this.sending.add(sending);
  }

  private async deliver(webhook: Webhook, delivery: DueDelivery): Promise<void> {
    const now = new Date(this.clock.now());
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Shoebox-Webhooks/1',
      'shoebox-delivery': delivery.id,
      'shoebox-signature': signatureHeader(signingSecrets(webhook, now), Math.floor(now.getTime() / 1000), delivery.body),
    };
    const outcome = await send(webhook.url, delivery.body, headers, { policy: this.policy, timeoutMs: this.settings.timeoutMs });
    const finished = this.clock.now();
    let retryAt: number | undefined;
    if (!outcome.ok && finished < delivery.retryUntil) {
      retryAt = Math.min(delivery.retryUntil, finished + Math.round(backoffMs(delivery.attempts + 1, this.settings, Math.random)));
    }
    await this.queue.attempted(delivery, outcome, finished, retryAt);
    if (!outcome.ok && retryAt === undefined) {
      this.log.warn(
        { webhook: webhook.id, delivery: delivery.id, attempts: delivery.attempts + 1, error: outcome.error },
        'webhook delivery gave up: it is a dead letter until re-driven',
      );
    }
  }

  private async prune(): Promise<void> {
    const now = this.clock.now();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.queue.prune(now - this.settings.logRetentionMs);
  }
}
