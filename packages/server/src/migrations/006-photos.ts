import type { ShoeboxMigration } from './migrate.js';

export const photos: ShoeboxMigration = {
  name: '006-photos',
  async up(db) {
    await db.schema
      .createTable('photos')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bigint', (c) => c.notNull())
      .addColumn('stored_bytes', 'bigint', (c) => c.notNull())
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('variants', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('upload_expires_at', 'bigint', (c) => c.notNull())
      .addColumn('upload_claimed_at', 'bigint')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // Listing an identity's photos newest first, and summing its storage.
    await db.schema.createIndex('photos_owner_created').on('photos').columns(['owner_id', 'created_at', 'id']).execute();
    // One row per identity with photos, locked by whoever checks that identity's storage quota.
    await db.schema
      .createTable('photo_owners')
      .addColumn('owner_id', 'text', (c) => c.primaryKey())
      .addColumn('locked_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
