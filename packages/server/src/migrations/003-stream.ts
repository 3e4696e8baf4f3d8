import type { ShoeboxMigration } from './migrate.js';

export const stream: ShoeboxMigration = {
  name: '003-stream',
  async up(db, engine) {
    let changes = db.schema.createTable('stream_changes');
    changes =
      engine === 'postgres'
        ? changes.addColumn('seq', 'bigserial', (c) => c.primaryKey())
        : // AUTOINCREMENT: a seq is never reused, even after the newest changes are pruned.
          changes.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
    await changes
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('old_image', 'text')
      .addColumn('new_image', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('stream_checkpoints')
      .addColumn('consumer', 'text', (c) => c.primaryKey())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .addColumn('lease_holder', 'text')
      .addColumn('lease_until', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    for (const table of ['stream_retries', 'stream_dead_letters'] as const) {
      let create = db.schema
        .createTable(table)
        .addColumn('consumer', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull());
      create =
        table === 'stream_retries'
          ? create.addColumn('next_attempt_at', 'bigint', (c) => c.notNull()).addColumn('last_error', 'text')
          : create.addColumn('last_error', 'text', (c) => c.notNull()).addColumn('dead_at', 'bigint', (c) => c.notNull());
      await create.addPrimaryKeyConstraint(`${table}_pk`, ['consumer', 'seq']).execute();
      // Pruning asks "is this seq still referenced?" by seq alone.
      await db.schema.createIndex(`${table}_seq`).on(table).column('seq').execute();
    }
    await db.schema.createIndex('stream_retries_entity').on('stream_retries').columns(['consumer', 'entity', 'entity_id', 'seq']).execute();
  },
};
