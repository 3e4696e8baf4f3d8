import type { WebhookEventType } from './events.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookTables {
  webhooks: {
    id: string;
    url: string;
    /** JSON array of WebhookEventType. */
    events: string;
    description: string;
    /** 1 while paused: deliveries queue up and go once it is resumed. */
    paused: number;
    secret: string;
    /** The secret before the last rotation, still signing until previous_secret_until. */
    previous_secret: string | null;
    previous_secret_until: number | null;
    created_at: number;
    updated_at: number;
  };
  /** One row per event and webhook: the queue the dispatcher drains and the delivery log. */
  webhook_deliveries: {
    /** The delivery id: the body's `id` and the Shoebox-Delivery header, the same on every attempt. */
    id: string;
    webhook_id: string;
    /** The change's stream position. */
    seq: number;
    /** The identity whose note or photo changed. */
    owner_id: string;
    /** Deliveries of one entity share a lane and go one at a time, in seq order. */
    lane: string;
    type: WebhookEventType;
    /** The exact JSON sent, fixed at fan-out so every attempt sends (and signs) the same bytes. */
    body: string;
    status: DeliveryStatus;
    attempts: number;
    next_attempt_at: number;
    /** After a failure past this time the delivery becomes a dead letter. */
    retry_until: number;
    /** A dispatcher is sending it until then; 0 when nobody is. */
    lease_until: number;
    last_status_code: number | null;
    last_error: string | null;
    latency_ms: number | null;
    created_at: number;
    finished_at: number | null;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends WebhookTables {}
}
