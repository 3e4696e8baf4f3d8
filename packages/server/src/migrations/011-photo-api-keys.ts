import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines: the API key each photo was created through, so the photos of one app (every
 * identity of its key, guests included) share a storage quota (photos/quota.ts). Null for photos
 * created before this migration, which count against no key.
 */
export const photoApiKeys: ShoeboxMigration = {
  name: '011-photo-api-keys',
  async up(db) {
    await db.schema.alterTable('photos').addColumn('api_key_id', 'text').execute();
    // Summing a key's storage, and finding its abandoned uploads.
    await db.schema.createIndex('photos_api_key').on('photos').columns(['api_key_id', 'status']).execute();
    // One row per API key with photos, locked by whoever checks that key's storage quota.
    await db.schema
      .createTable('photo_api_keys')
      .addColumn('api_key_id', 'text', (c) => c.primaryKey())
      .addColumn('locked_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
