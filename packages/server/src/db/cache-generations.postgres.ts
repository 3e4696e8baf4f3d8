import type { CacheGenerations, CacheGroup } from './cache-generations.js';
import { PostgresListener } from './listener.postgres.js';
import type { PostgresDatabase } from './postgres.js';

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
  private readonly listener: PostgresListener;

  constructor(database: PostgresDatabase, schema: string) {
    this.listener = new PostgresListener(database, {
      channel: cacheChannel(schema),
      onNotification: (payload) => {
        if (payload !== undefined && payload in this.counters) this.counters[payload as CacheGroup]++;
      },
      onListening: () => {
        for (const group of Object.keys(this.counters) as CacheGroup[]) this.counters[group]++;
      },
      heartbeatMs: HEARTBEAT_MS,
    });
  }

  current(group: CacheGroup): number | undefined {
    if (!this.listener.listening) {
      this.listener.listen();
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
    await this.listener.roundTrip();
  }

  close(): Promise<void> {
    return this.listener.close();
  }
}

/** The channel migration 016's triggers notify for the Shoebox living in `schema` (channels are per database). */
export const cacheChannel = (schema: string): string => `${schema.slice(0, 48)}_cache`;
