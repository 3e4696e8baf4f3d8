import { statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTestData, tempDir } from '../testing/harness.js';
import { eventually } from '../testing/shoebox.js';
import type { Database } from './database.js';
import { openSqlite } from './sqlite.js';

const MIB = 1024 * 1024;

describe('SQLite checkpoints in the background (embedded)', () => {
  const dataDir = tempDir();
  const file = join(dataDir, 'shoebox.db');
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    await removeTestData(dataDir);
  });

  /** One transaction of about a MiB: far below the backstop, so only the background checkpoint moves it into the file. */
  const writeMiB = (db: Database) =>
    db.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 64; i++) await sql`insert into blobs (data) values (${'x'.repeat(16 * 1024)})`.execute(trx);
    });

  it('copies committed pages into the database file without a commit doing it', async () => {
    database = openSqlite(file, { backgroundCheckpoints: true });
    await sql`create table blobs (id integer primary key, data text not null)`.execute(database.db);
    const before = statSync(file).size;
    expect(before).toBeLessThan(MIB);
    await writeMiB(database);
    await eventually(async () => statSync(file).size >= before + MIB);
    const { rows } = await sql<{ n: number }>`select count(*) as n from blobs`.execute(database.db);
    expect(rows[0]?.n).toBe(64);
  });

  it('leaves the WAL to the commits when not asked (short-lived commands)', async () => {
    database = openSqlite(file);
    await sql`create table blobs (id integer primary key, data text not null)`.execute(database.db);
    const before = statSync(file).size;
    await writeMiB(database);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(statSync(file).size).toBe(before);
  });
});
