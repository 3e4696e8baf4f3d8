import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { Change } from './change.js';
import { type ChangeClaims, toChange } from './claims.js';

/**
 * SQLite: one writer commits at a time and a seq is assigned inside the writing transaction, so
 * when a change is visible every change with a lower seq is visible too (or was rolled back and
 * never existed). A plain "highest seq handled" checkpoint therefore cannot skip a change.
 */
export class SqliteChangeClaims implements ChangeClaims {
  constructor(private readonly database: Database) {}

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

  async release(consumer: string, holder: string): Promise<void> {
    await this.database.db
      .updateTable('stream_checkpoints')
      .set({ lease_holder: null, lease_until: null })
      .where('consumer', '=', consumer)
      .where('lease_holder', '=', holder)
      .execute();
  }

  async next(consumer: string, limit: number): Promise<Change[]> {
    const rows = await this.database.db
      .selectFrom('stream_changes')
      .selectAll()
      .where('seq', '>', (eb) => eb.selectFrom('stream_checkpoints').select('position').where('consumer', '=', consumer))
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toChange);
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
