import type { ShoeboxMigration } from './migrate.js';

export const apiKeys: ShoeboxMigration = {
  name: '001-api-keys',
  async up(db) {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      // SHA-256 of the whole secret: secrets carry 256 random bits, so a fast unsalted hash is safe.
      .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('secret_prefix', 'text', (c) => c.notNull())
      .addColumn('rate', 'real', (c) => c.notNull())
      .addColumn('burst', 'integer', (c) => c.notNull())
      .addColumn('quota_limit', 'bigint')
      .addColumn('quota_period', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema
      .createTable('settings')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};
