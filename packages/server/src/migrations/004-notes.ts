import type { ShoeboxMigration } from './migrate.js';

export const notes: ShoeboxMigration = {
  name: '004-notes',
  async up(db) {
    await db.schema
      .createTable('notes')
      .addColumn('note_id', 'text', (c) => c.primaryKey())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('headline', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('photo_ids', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();
    // Listing: an identity's notes, newest first.
    await db.schema.createIndex('notes_owner_created').on('notes').columns(['owner_id', 'created_at', 'note_id']).execute();

    await db.schema
      .createTable('note_photos')
      .addColumn('note_id', 'text', (c) => c.notNull())
      .addColumn('photo_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('note_photos_pk', ['note_id', 'photo_id'])
      .execute();
    await db.schema.createIndex('note_photos_owner_photo').on('note_photos').columns(['owner_id', 'photo_id']).execute();

    await db.schema
      .createTable('note_idempotency')
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('response', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('note_idempotency_pk', ['owner_id', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('note_idempotency_created').on('note_idempotency').column('created_at').execute();
  },
};
