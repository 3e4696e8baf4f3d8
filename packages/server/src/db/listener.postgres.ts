import type pg from 'pg';
import type { PostgresDatabase } from './postgres.js';

/** How long a lost LISTEN connection waits before it is opened again. */
const RECONNECT_MS = 1_000;

export interface ListenerOptions {
  readonly channel: string;
  /** A notification arrived on the channel. */
  readonly onNotification: (payload: string | undefined) => void;
  /** The connection listens (again): whatever was sent while nobody listened was lost. */
  readonly onListening: () => void;
  /**
   * How often the connection must answer a query, or undefined for never. A connection that died
   * silently (a network failure without a reset) delivers nothing while it looks alive: one that has
   * not answered within a period is dropped and opened again.
   */
  readonly heartbeatMs?: number;
}

/**
 * One LISTEN connection to a channel, outside the pool (a pooled connection would be handed to
 * queries), opened on first use and again after it drops, never more often than RECONNECT_MS.
 * A dropped connection never crashes the process: the owner sees `listening` turn false and
 * decides what that means (poll, or trust no cache).
 */
export class PostgresListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: PostgresDatabase,
    private readonly options: ListenerOptions,
  ) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Opens the connection unless it is open, opening or was tried a moment ago. */
  listen(): void {
    if (this.client || this.connecting || this.closed || Date.now() - this.lastAttempt < RECONNECT_MS) return;
    this.lastAttempt = Date.now();
    const client = this.database.newClient();
    client.on('notification', (message) => this.options.onNotification(message.payload));
    client.on('error', () => this.drop(client, true));
    client.on('end', () => this.drop(client, false));
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`listen "${this.options.channel}"`);
        if (this.closed) throw new Error('closed while connecting');
        this.client = client;
        this.beat(client);
        this.options.onListening();
      } catch {
        this.drop(client, true);
      } finally {
        this.connecting = undefined;
      }
    })();
  }

  /**
   * Resolves once the connection has answered a query, and so has been sent every notification
   * committed before it (PostgreSQL sends them in order, ahead of the answer); at once when it is
   * not listening.
   */
  async roundTrip(): Promise<void> {
    await this.client?.query('select 1').catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const client = this.client;
    if (client) this.drop(client, false);
    await client?.end().catch(() => {});
  }

  private beat(client: pg.Client): void {
    const { heartbeatMs } = this.options;
    if (heartbeatMs === undefined) return;
    let answered = true;
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (!answered) return this.drop(client, true);
      answered = false;
      client.query('select 1').then(
        () => {
          answered = true;
        },
        () => this.drop(client, true),
      );
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  private drop(client: pg.Client, end: boolean): void {
    if (this.client === client) {
      this.client = undefined;
      clearInterval(this.heartbeat);
    }
    if (end) client.end().catch(() => {});
  }
}
