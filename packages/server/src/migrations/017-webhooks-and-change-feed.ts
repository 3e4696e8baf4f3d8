import type { ShoeboxMigration } from './migrate.js';

/**
 * Webhooks and their delivery queue (webhooks/), and what the change feed and realtime stream
 * (changes/) read the stream by: the same statements on both engines.
 */
export const webhooksAndChangeFeed: ShoeboxMigration = {
  name: '017-webhooks-and-change-feed',
  async up(db) {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('paused', 'integer', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_secret_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('lane', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('retry_until', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('latency_ms', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    // The fan-out is at least once: a change handed over twice finds its delivery already queued.
    await db.schema.createIndex('webhook_deliveries_change').on('webhook_deliveries').columns(['webhook_id', 'seq']).unique().execute();
    // The dispatcher's due scan, and "does an older delivery of this note wait" per lane.
    await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_deliveries_lane').on('webhook_deliveries').columns(['webhook_id', 'lane', 'seq']).execute();
    // A deleted identity's queued deliveries, whose words go with it.
    await db.schema.createIndex('webhook_deliveries_owner').on('webhook_deliveries').columns(['owner_id']).execute();
    // The delivery log, newest first, and pruning of finished deliveries.
    await db.schema.createIndex('webhook_deliveries_log').on('webhook_deliveries').columns(['webhook_id', 'created_at']).execute();
    // A caller's changes in stream order, for the change feed and a realtime client's replay.
    await db.schema.createIndex('stream_changes_owner_seq').on('stream_changes').columns(['owner_id', 'seq']).execute();
    // How far pruning has deleted the stream: a feed cursor below it may have missed changes.
    await db.schema
      .createTable('stream_pruned')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('through', 'bigint', (c) => c.notNull())
      .execute();
  },
};
