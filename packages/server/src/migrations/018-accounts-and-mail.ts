import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines. `identity_logins.email_verified_at`: when a password login's email was proven
 * (null for older accounts). `account_tokens`: the single-use tokens mail carries, stored hashed.
 * `mail_outbox`: the durable queue of outgoing mail, drained by the mail sender. `identity_totp` and
 * `mfa_recovery_codes`: second factors.
 */
export const accountsAndMail: ShoeboxMigration = {
  name: '018-accounts-and-mail',
  async up(db) {
    await db.schema.alterTable('identity_logins').addColumn('email_verified_at', 'bigint').execute();

    await db.schema
      .createTable('account_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('account_tokens_identity').on('account_tokens').column('identity_id').execute();

    await db.schema
      .createTable('identity_totp')
      .addColumn('identity_id', 'text', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('confirmed_at', 'bigint')
      .addColumn('last_time_step', 'bigint')
      .execute();
    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id').onDelete('cascade'))
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema.createIndex('mfa_recovery_codes_identity').on('mfa_recovery_codes').column('identity_id').execute();

    await db.schema
      .createTable('mail_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('identity_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('due_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('claimed_until', 'bigint')
      .addColumn('sent_at', 'bigint')
      .addColumn('dropped', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
    // The sender's scan: unsent messages by due time.
    await db.schema.createIndex('mail_outbox_due').on('mail_outbox').columns(['sent_at', 'due_at']).execute();
  },
};
