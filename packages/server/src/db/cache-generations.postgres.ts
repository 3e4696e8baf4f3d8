import type pg from 'pg';
import type { CacheGenerations, CacheGroup } from './cache-generations.js';
import type { PostgresDatabase } from './postgres.js';

/** How long a lost LISTEN connection waits before it is opened again (caches stay unused meanwhile). */
const RECONNECT_MS = 1_000;
/**
 * How often the LISTEN connection must answer a query. A connection that died silently (a network
 * failure without a reset) would deliver no notification while caches trusted it: one that has not
 * answered within a period is dropped, so caches trust nothing for longer than two periods.
 */
const HEARTBEAT_MS = 5_000;

/**
 * The scale-out engine's generations: counters in this process, moved by the notifications that
 * migration 016's triggers send when a change to a cached table commits (in any process), and by
 * this process's own commits at once. They are kept on a LISTEN connection of its own, outside the
 * pool. While that connection is not listening, no generation is known, so caches read the
 * database on every request; once it listens again every counter moves, since notifications sent
 * meanwhile were lost. A writer acknowledges a change only once its own listener heard it
 * (`committed`), by which time every other listener was sent it too.
 */
export class PostgresCacheGenerations implements CacheGenerations {
  private readonly counters: Record<CacheGroup, number> = { api_keys: 0, identities: 0, signing_keys: 0 };
  private listener: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: PostgresDatabase,
    private readonly schema: string,
  ) {}

  current(group: CacheGroup): number | undefined {
    if (this.listener === undefined) {
      this.listen();
      return undefined;
    }
    return this.counters[group];
  }

  /**
   * PostgreSQL signals every listening backend at commit, and each sends the notification on at
   * once. A query on this process's own LISTEN connection is answered only after the notification
   * it was sent: by then the others are out too, so the writer's answer cannot overtake them.
   */
  async committed(group: CacheGroup): Promise<void> {
    this.counters[group]++;
    await this.listener?.query('select 1').catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    clearInterval(this.heartbeat);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
  }

  private listen(): void {
    if (this.connecting || this.closed || Date.now() - this.lastAttempt < RECONNECT_MS) return;
    this.lastAttempt = Date.now();
    const client = this.database.newClient();
    client.on('notification', (message) => {
      if (message.payload !== undefined && message.payload in this.counters) this.counters[message.payload as CacheGroup]++;
    });
    // A dropped connection must not crash the process; the next request opens another.
    client.on('error', () => this.drop(client, true));
    client.on('end', () => this.drop(client, false));
    this.connecting = (async () => {
      try {
        await client.connect();
        await client.query(`listen "${cacheChannel(this.schema)}"`);
        if (this.closed) throw new Error('closed while connecting');
        for (const group of Object.keys(this.counters) as CacheGroup[]) this.counters[group]++;
        this.listener = client;
        this.beat(client);
      } catch {
        this.drop(client, true);
      } finally {
        this.connecting = undefined;
      }
    })();
  }

  private beat(client: pg.Client): void {
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
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private drop(client: pg.Client, end: boolean): void {
    if (this.listener === client) {
      this.listener = undefined;
      clearInterval(this.heartbeat);
    }
    if (end) client.end().catch(() => {});
  }
}

/** The channel migration 016's triggers notify for the Shoebox living in `schema` (channels are per database). */
export const cacheChannel = (schema: string): string => `${schema.slice(0, 48)}_cache`;
