import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import type { DeliveryStatus } from './tables.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];

/**
 * Prometheus gauge of webhook deliveries by status, read from the database: right whichever
 * process sends them (delivered ones count only while the log keeps them).
 */
export function registerWebhookMetrics(registry: Registry, database: Database): void {
  new Gauge({
    name: 'shoebox_webhook_deliveries',
    help: 'Webhook deliveries by status: pending (queued or retrying), delivered (still in the log), dead (dead letters)',
    labelNames: ['status'],
    registers: [registry],
    // Read from the database, so every process of one server reports the same: not to be summed.
    aggregator: 'max',
    async collect() {
      const rows = await database.db
        .selectFrom('webhook_deliveries')
        .select(['status', (eb) => eb.fn.countAll().as('n')])
        .groupBy('status')
        .execute();
      for (const status of STATUSES) this.set({ status }, Number(rows.find((row) => row.status === status)?.n ?? 0));
    },
  });
}
