import { PostgresListener } from '../db/listener.postgres.js';
import type { PostgresDatabase } from '../db/postgres.js';
import { ChangeSignal } from './signal.js';

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
  private readonly listener: PostgresListener;
  private publishing = false;
  private publishAgain = false;
  private closed = false;

  constructor(
    private readonly database: PostgresDatabase,
    private readonly channel: string,
  ) {
    super();
    this.listener = new PostgresListener(database, {
      channel,
      onNotification: () => this.ring(),
      // Whatever was committed while nobody listened is found by the pass this ring starts.
      onListening: () => this.ring(),
    });
  }

  override notify(): void {
    super.notify();
    this.publish();
  }

  /** Starts listening on the first wait, so processes that never process (API only) hold no extra connection. */
  override wait(ms: number, waiter?: string): Promise<void> {
    this.listener.listen();
    return super.wait(ms, waiter);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await this.listener.close();
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
}

/** The NOTIFY channel of the Shoebox living in `schema` (channels are per database). */
export const changeChannel = (schema: string): string => `${schema.slice(0, 48)}_changes`;

/** The NOTIFY channel on which processors announce that the change publication moved. */
export const publicationChannel = (schema: string): string => `${schema.slice(0, 48)}_published`;
