import { sql } from 'kysely';
import type { UntypedDb } from '../db/database.js';
import type { ShoeboxMigration } from './migrate.js';

/**
 * The tables that per-process caches copy (db/cache-generations.ts), by the group a change to each
 * invalidates, and the statements that change what a cache holds. Inserts of keys, identities and
 * sessions are left out: a new row was never cached (a key's secret is new, so no lookup of it has
 * been remembered as unknown), and guest creation stays trigger-free.
 */
const WATCHED = [
  { table: 'api_keys', group: 'api_keys', events: ['update', 'delete'] },
  { table: 'identities', group: 'identities', events: ['update', 'delete'] },
  { table: 'identity_sessions', group: 'identities', events: ['update', 'delete'] },
  { table: 'identity_logins', group: 'identities', events: ['insert', 'update', 'delete'] },
  { table: 'signing_keys', group: 'signing_keys', events: ['insert', 'update', 'delete'] },
] as const;

/**
 * Both engines, each its own way, so that every change to a cached table reaches the caches of
 * every process, whichever process or tool made it, with no call site to remember:
 * - SQLite: `cache_generations`, one row of counters that triggers move in the changing
 *   transaction; a process reads it (cheaply, on a connection of its own) to know whether its
 *   copies are still current.
 * - PostgreSQL: statement triggers NOTIFY the group's name on `<schema>_cache`; every process
 *   LISTENs. The notification is sent when the transaction commits, and not at all on rollback.
 */
export const cacheGenerations: ShoeboxMigration = {
  name: '016-cache-generations',
  async up(db, engine) {
    if (engine === 'sqlite') await sqliteCounters(db);
    else await postgresNotifications(db);
  },
};

async function sqliteCounters(db: UntypedDb): Promise<void> {
  await db.schema
    .createTable('cache_generations')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('api_keys', 'bigint', (c) => c.notNull())
    .addColumn('identities', 'bigint', (c) => c.notNull())
    .addColumn('signing_keys', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('cache_generations').values({ id: 1, api_keys: 0, identities: 0, signing_keys: 0 }).execute();
  for (const { table, group, events } of WATCHED) {
    for (const event of events) {
      await sql`create trigger ${sql.id(`${table}_${event}_generation`)} after ${sql.raw(event)} on ${sql.table(table)}
        begin update cache_generations set ${sql.ref(group)} = ${sql.ref(group)} + 1 where id = 1; end`.execute(db);
    }
  }
}

async function postgresNotifications(db: UntypedDb): Promise<void> {
  // The channel is named after the schema the table lives in, as PostgresCacheGenerations listens.
  await sql`create function cache_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify(left(tg_table_schema, 48) || '_cache', tg_argv[0]);
      return null;
    end
    $$`.execute(db);
  for (const { table, group, events } of WATCHED) {
    await sql`create trigger ${sql.id(`${table}_cache_changed`)} after ${sql.raw(events.join(' or '))} on ${sql.table(table)}
      for each statement execute function cache_changed(${sql.lit(group)})`.execute(db);
  }
}
