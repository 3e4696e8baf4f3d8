import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import type { ConsumerCounters } from './consumer-calls.js';
import type { StreamProcessor } from './processor.js';
import { type ConsumerStatus, streamStatus } from './status.js';

/** Status is read from the database at most this often, however many gauges a scrape reads. */
const STATUS_TTL_MS = 500;

/**
 * Prometheus metrics of the change stream, per consumer: throughput, failures and dead letters
 * this process handled (counters), and lag, retries and dead letters read from the database
 * (gauges, so they are right whichever process does the work).
 */
export function registerStreamMetrics(registry: Registry, database: Database, processor: StreamProcessor): void {
  const names = processor.consumerNames;
  let cached: { at: number; statuses: Promise<ConsumerStatus[]> } | undefined;
  const statuses = () => {
    if (!cached || Date.now() - cached.at > STATUS_TTL_MS)
      cached = { at: Date.now(), statuses: streamStatus(database, processor.laneNames) };
    return cached.statuses;
  };

  const counter = (name: string, help: string, field: keyof ConsumerCounters) =>
    new Counter({
      name,
      help,
      labelNames: ['consumer'],
      registers: [registry],
      collect() {
        this.reset();
        for (const consumer of names) this.inc({ consumer }, processor.countersOf(consumer)[field]);
      },
    });
  counter('shoebox_stream_processed_total', 'Changes a consumer handled in this process', 'processed');
  counter('shoebox_stream_failures_total', 'Failed attempts to handle a change in this process', 'failed');
  counter('shoebox_stream_dead_lettered_total', 'Changes moved to the dead-letter table by this process', 'deadLettered');

  const gauge = (name: string, help: string, read: (status: ConsumerStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['consumer'],
      registers: [registry],
      // Read from the database, so every process of one server reports the same: not to be summed.
      aggregator: 'max',
      async collect() {
        for (const status of await statuses()) this.set({ consumer: status.consumer }, read(status));
      },
    });
  gauge('shoebox_stream_lag_changes', 'Changes after the consumer’s checkpoint, not yet looked at', (s) => s.lagChanges);
  gauge('shoebox_stream_lag_seconds', 'Age of the oldest change the consumer has not looked at', (s) => s.lagSeconds);
  gauge('shoebox_stream_retrying', 'Changes waiting for another attempt', (s) => s.retrying);
  gauge('shoebox_stream_dead_letters', 'Changes in the dead-letter table', (s) => s.deadLetters);
}
