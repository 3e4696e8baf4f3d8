import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';

/**
 * The engine-neutral half of ChangeClaims (claims.ts): per-consumer leases and checkpoints in
 * portable SQL. Each condition sits in the UPDATE itself, so concurrent processes settle it in the
 * database (in PostgreSQL the second updater waits for the row and re-checks the condition).
 */
export class CheckpointLeases {
  constructor(protected readonly database: Database) {}

  async lease(consumer: string, holder: string, now: Date, until: Date): Promise<boolean> {
    const db = this.database.db;
    await db
      .insertInto('stream_checkpoints')
      .values({ consumer, position: 0, lease_holder: null, lease_until: null, updated_at: now.getTime() })
      .onConflict((oc) => oc.column('consumer').doNothing())
      .execute();
    const result = await db
      .updateTable('stream_checkpoints')
      .set({ lease_holder: holder, lease_until: until.getTime() })
      .where('consumer', '=', consumer)
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_holder', '=', holder), eb('lease_until', '<', now.getTime())]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async pending(consumer: string): Promise<boolean> {
    const after = await this.database.db
      .selectFrom('stream_checkpoints')
      .select('position')
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    const waiting = await this.database.db
      .selectFrom('stream_changes')
      .select('seq')
      .where('seq', '>', after?.position ?? 0)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return waiting !== undefined;
  }

  async release(consumer: string, holder: string): Promise<void> {
    await this.database.db
      .updateTable('stream_checkpoints')
      .set({ lease_holder: null, lease_until: null })
      .where('consumer', '=', consumer)
      .where('lease_holder', '=', holder)
      .execute();
  }

  async advance(trx: Kysely<Tables>, consumer: string, holder: string, through: number): Promise<boolean> {
    const result = await trx
      .updateTable('stream_checkpoints')
      .set({ position: through, updated_at: Date.now() })
      .where('consumer', '=', consumer)
      .where('lease_holder', '=', holder)
      .where('position', '<', through)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
