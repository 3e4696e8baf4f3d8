import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines. `identity_sessions.logged_in_at`: when a login opened the session (null for a
 * guest's session, and for sessions opened before this migration, which count as old), so adding
 * a login to an authenticated identity can demand a recent one. `identity_secrets`: server
 * secrets of the identity service shared by every process, such as the key deriving refresh
 * tokens' successors.
 */
export const sessionLoginsAndSecrets: ShoeboxMigration = {
  name: '012-session-logins-and-secrets',
  async up(db) {
    await db.schema.alterTable('identity_sessions').addColumn('logged_in_at', 'bigint').execute();
    await db.schema
      .createTable('identity_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
