import { type Clock, systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/observability.js';
import { ChangeSignal } from '../stream/signal.js';
import type { MailQueue, QueuedMail } from './queue.js';
import type { MailKind } from './tables.js';
import { type MailTemplate, type MailVariables, renderMail } from './templates.js';
import type { MailTransport } from './transport.js';

/** Fills in what a queued message says; lives with the capability that queues it. */
export interface MailComposer {
  /**
   * The template values of `mail`, or null when there is nothing to send (a reset asked for an
   * email without an account). Called again when a send is retried: it must answer the same.
   */
  compose(mail: QueuedMail): Promise<MailVariables | null>;
}

export interface MailSenderParts {
  readonly queue: MailQueue;
  readonly transport: MailTransport;
  readonly templates: Readonly<Record<MailKind, MailTemplate>>;
  readonly from: string;
  readonly composer: MailComposer;
  readonly log: Logger;
  readonly clock?: Clock;
}

const POLL_MS = 1000;
const BATCH = 20;
/** Longer than the transport's timeouts together, so a message in flight is never claimed twice. */
const LEASE_MS = 120_000;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 15 * 60_000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * Drains the mail queue in the background: requests never wait on the mail server. A failed send
 * goes back to the queue with exponential backoff (never dropped); a sent one is marked at once.
 * Each message carries a Message-ID of its own, the same on every attempt, so even a send that
 * succeeded but could not be recorded (the one window in which a retry repeats it) is one message
 * to the receiving server. Other processes' messages are found by polling; this process's by `wake`.
 */
export class MailSender {
  private running = false;
  private loop: Promise<void> | undefined;
  /** Rung when this process queues a message or stops; otherwise the queue is looked at every POLL_MS. */
  private readonly doorbell = new ChangeSignal();
  private lastPrune = 0;
  private readonly clock: Clock;

  constructor(private readonly parts: MailSenderParts) {
    this.clock = parts.clock ?? systemClock;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Waits for the message being sent, if any; the rest stay queued for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Tells the sender a message was queued by this process. */
  wake(): void {
    this.doorbell.ring();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let full = false;
      try {
        full = (await this.drainOnce()) === BATCH;
        if (this.clock.now() - this.lastPrune > PRUNE_EVERY_MS) {
          this.lastPrune = this.clock.now();
          await this.parts.queue.prune(this.lastPrune);
        }
      } catch (error) {
        this.parts.log.error({ err: error }, 'mail queue unavailable; retrying');
      }
      if (!full) await this.doorbell.wait(POLL_MS);
    }
  }

  private async drainOnce(): Promise<number> {
    const claimed = await this.parts.queue.claim(this.clock.now(), BATCH, LEASE_MS);
    for (const mail of claimed) {
      if (!this.running) break;
      await this.deliver(mail);
    }
    return claimed.length;
  }

  private async deliver(mail: QueuedMail): Promise<void> {
    const { queue, transport, templates, from, composer, log } = this.parts;
    try {
      const variables = await composer.compose(mail);
      if (variables === null) {
        await queue.finish(mail.id, this.clock.now(), 'dropped');
        return;
      }
      const rendered = renderMail(templates[mail.kind], variables);
      await transport.send({ ...rendered, from, to: mail.recipient, messageId: `<${mail.id}@shoebox>` });
      await queue.finish(mail.id, this.clock.now(), 'sent');
      log.info({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts }, 'mail sent');
    } catch (error) {
      const delay = Math.min(RETRY_BASE_MS * 2 ** (mail.attempts - 1), RETRY_MAX_MS);
      log.warn({ mailId: mail.id, kind: mail.kind, attempts: mail.attempts, retryInMs: delay, err: error }, 'mail not sent; will retry');
      await queue.retryLater(mail.id, this.clock.now() + delay, (error as Error).message ?? String(error));
    }
  }
}
