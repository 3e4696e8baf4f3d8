import { sql } from 'kysely';
import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines: each quota holder (identity, API key) keeps the stored bytes of its photos in its
 * lock row, kept up to date by PhotoStore in the transactions that change photos. A quota check
 * summed every photo of the holder, and an app's API key may hold millions. Rows are made for every
 * holder that has photos, with what its photos store today.
 *
 * The abandoned uploads a create settles are found by holder, status and expiry from an index
 * that has all three: the holder's index alone had every one of its photos (or its pending ones)
 * read to find the expired.
 */
export const photoUsage: ShoeboxMigration = {
  name: '020-photo-usage',
  async up(db) {
    for (const table of ['photo_owners', 'photo_api_keys'] as const) {
      await db.schema
        .alterTable(table)
        .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    }
    // `where true`: without it SQLite would read the upsert's ON as a join constraint.
    await sql`
      insert into photo_owners (owner_id, locked_at, used_bytes)
      select owner_id, 0, sum(stored_bytes) from photos where true group by owner_id
      on conflict (owner_id) do update set used_bytes = excluded.used_bytes`.execute(db);
    await sql`
      insert into photo_api_keys (api_key_id, locked_at, used_bytes)
      select api_key_id, 0, sum(stored_bytes) from photos where api_key_id is not null group by api_key_id
      on conflict (api_key_id) do update set used_bytes = excluded.used_bytes`.execute(db);
    await db.schema.dropIndex('photos_api_key').execute();
    await db.schema.createIndex('photos_api_key_pending').on('photos').columns(['api_key_id', 'status', 'upload_expires_at']).execute();
    await db.schema.createIndex('photos_owner_pending').on('photos').columns(['owner_id', 'status', 'upload_expires_at']).execute();
  },
};
