import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines: the ETag of the original that `complete` checked (size and type by content), so
 * the photo processor makes variants from those bytes only (photos/processor.ts). Null for photos
 * completed before this migration, which are read unpinned.
 */
export const photoOriginalEtag: ShoeboxMigration = {
  name: '009-photo-original-etag',
  async up(db) {
    await db.schema.alterTable('photos').addColumn('original_etag', 'text').execute();
  },
};
