import type { ShoeboxMigration } from './migrate.js';

/**
 * Both engines: a remembered create (note_idempotency) records what it did (`outcome`) instead of
 * the HTTP status it answered, which is the route's business. Every earlier row is a create that
 * answered 201, so the column's default makes it `created`, and retries of it replay as before.
 */
export const noteAnswerOutcomes: ShoeboxMigration = {
  name: '019-note-answer-outcomes',
  async up(db) {
    await db.schema
      .alterTable('note_idempotency')
      .addColumn('outcome', 'text', (c) => c.notNull().defaultTo('created'))
      .execute();
    await db.schema.alterTable('note_idempotency').dropColumn('status').execute();
  },
};
