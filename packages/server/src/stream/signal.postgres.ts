import type pg from 'pg';
import type { PostgresDatabase } from '../db/postgres.js';
import { ChangeSignal } from './signal.js';

/** How long a lost LISTEN connection waits before it is opened again (polling covers the meantime). */
const RECONNECT_MS = 1_000;

/**
 * The doorbell shared by every process on one PostgreSQL database: a write's end is announced with
 * NOTIFY, and a processor waiting here LISTENs on a connection of its own, outside the pool (a
 * pooled connection would be handed to queries). NOTIFYs are sent after the write's transaction,
 * never inside it: a notifying commit takes a database-wide lock, which would serialise the
 * writers. They are coalesced, one in flight per process, so a burst of writes costs a few.
 * Polling stays the fallback: a lost connection, a missed notification or a crashed writer only
 * delay work until the next poll.
 */
export class PostgresChangeSignal extends ChangeSignal {
  private listener: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private lastAttempt = 0;
  private publishing = false;
  private publishAgain = false;
  private closed = false;

  constructor(
    private readonly database: PostgresDatabase,
    private readonly channel: string,
  ) {
    super();
  }

  override notify(): void {
    super.notify();
    this.publish();
  }

  /** Starts listening on the first wait, so processes that never process (API only) hold no extra connection. */
  override wait(ms: number, waiter?: string): Promise<void> {
    this.listen();
    return super.wait(ms, waiter);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }

  private publish(): void {
    if (this.closed) return;
    if (this.publishing) {
      this.publishAgain = true;
      return;
    }
    this.publishing = true;
    this.database.pool
      .query('select pg_notify($1, $2)', [this.channel, ''])
      .catch(() => {})
      .finally(() => {
        this.publishing = false;
        if (!this.publishAgain) return;
        this.publishAgain = false;
        this.publish();
      });
  }

  private listen(): void {
    if (this.listener || this.connecting || this.closed || Date.now() - this.lastAttempt < RECONNECT_MS) return;
    this.lastAttempt = Date.now();
    const client = this.database.newClient();
    client.on('notification', () => this.ring());
    // A dropped connection must not crash the process; the next wait opens another.
    client.on('error', () => this.drop(client, true));
    client.on('end', () => this.drop(client, false));
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`listen "${this.channel}"`);
        if (this.closed) throw new Error('closed while connecting');
        this.listener = client;
        // Whatever was committed while nobody listened is found by the pass this ring starts.
        this.ring();
      } catch {
        this.drop(client, true);
      } finally {
        this.connecting = undefined;
      }
    })();
  }

  private drop(client: pg.Client, end: boolean): void {
    if (this.listener === client) this.listener = undefined;
    if (end) client.end().catch(() => {});
  }
}

/** The NOTIFY channel of the Shoebox living in `schema` (channels are per database). */
export const changeChannel = (schema: string): string => `${schema.slice(0, 48)}_changes`;
