import { sql } from 'kysely';
import type { ShoeboxMigration } from './migrate.js';

/**
 * PostgreSQL only (SQLite needs nothing): a writer takes its transaction id before its change's
 * seq, which is what lets stream/claims.postgres.ts prove that a gap in the seqs it reads can no
 * longer be filled. The sequence keeps its cache of 1, so seqs are handed out one after the other.
 */
export const streamPostgres: ShoeboxMigration = {
  name: '007-stream-postgres',
  async up(db, engine) {
    if (engine !== 'postgres') return;
    await sql`create function stream_next_seq() returns bigint language plpgsql volatile
      set search_path from current
      as $$
      begin
        perform pg_current_xact_id();
        return nextval('stream_changes_seq_seq');
      end
      $$`.execute(db);
    await sql`alter table stream_changes alter column seq set default stream_next_seq()`.execute(db);
  },
};
