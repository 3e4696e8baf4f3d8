import type { Change } from './change.js';
import { CheckpointLeases } from './checkpoints.js';
import { type ChangeClaims, toChange } from './claims.js';

/**
 * SQLite: one writer commits at a time and a seq is assigned inside the writing transaction, so
 * when a change is visible every change with a lower seq is visible too (or was rolled back and
 * never existed). A plain "highest seq handled" checkpoint therefore cannot skip a change.
 */
export class SqliteChangeClaims extends CheckpointLeases implements ChangeClaims {
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
}
