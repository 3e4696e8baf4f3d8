import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { IdentityLocks } from '../identity/owner-locks.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/observability.js';
import { WebhookDataOwner } from './data-owner.js';
import { DeliveryQueue } from './deliveries.js';
import { WebhookDispatcher } from './dispatcher.js';
import { WebhookFanout } from './fanout.js';
import { WebhookService } from './service.js';
import { WebhookStore } from './store.js';
import { TargetPolicy } from './target-policy.js';

export interface Webhooks {
  readonly service: WebhookService;
  /** The change-stream consumer that queues deliveries. */
  readonly fanout: WebhookFanout;
  /** Sends the queue; started with the stream processor (serve, worker). */
  readonly dispatcher: WebhookDispatcher;
  /** Blanks a deleted identity's words in queued deliveries. */
  readonly dataOwner: WebhookDataOwner;
}

export function openWebhooks(config: Config, database: Database, logger: Logger, clock: Clock = systemClock): Webhooks {
  const settings = config.webhooks;
  const store = new WebhookStore(database);
  const queue = new DeliveryQueue(database);
  const policy = new TargetPolicy(settings.allowedTargets);
  const retryPeriodMs = settings.retryPeriodSeconds * 1000;
  const dispatcher = new WebhookDispatcher(
    store,
    queue,
    policy,
    { ...settings, pollMs: config.stream.pollMs, logRetentionMs: config.stream.retentionHours * 3_600_000 },
    logger.child({ component: 'webhooks' }),
    clock,
  );
  return {
    service: new WebhookService(store, queue, policy, retryPeriodMs, clock),
    fanout: new WebhookFanout(store, queue, new IdentityLocks(database.engine), retryPeriodMs, () => dispatcher.wake(), clock),
    dispatcher,
    dataOwner: new WebhookDataOwner(queue),
  };
}
