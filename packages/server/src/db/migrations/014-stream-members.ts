import type { ShoeboxMigration } from '../migrate.js';

/**
 * Both engines. `stream_members`: the processors working a consumer split into partitions, each
 * with a heartbeat, so they can share the partitions out between them (stream/partitions.ts).
 */
export const streamMembers: ShoeboxMigration = {
  name: '014-stream-members',
  async up(db) {
    await db.schema
      .createTable('stream_members')
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('until', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('stream_members_pk', ['consumer', 'holder'])
      .execute();
  },
};
