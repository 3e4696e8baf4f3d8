import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Database, Engine, UntypedDb } from '../db/database.js';
import { migrations } from './index.js';

/** One schema step. `up` receives the engine so the few engine-specific statements can branch to their adapter. */
export interface ShoeboxMigration {
  readonly name: string;
  up(db: UntypedDb, engine: Engine): Promise<void>;
}

class ListProvider implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(migrations.map((m) => [m.name, { up: (db: UntypedDb) => m.up(db, this.engine) }]));
  }
}

/** Kysely's migrator over Shoebox's migrations, recording them where every start looks. */
export const migrator = (database: Database): Migrator =>
  new Migrator({
    db: database.db,
    provider: new ListProvider(database.engine),
    migrationTableName: 'shoebox_migrations',
    migrationLockTableName: 'shoebox_migrations_lock',
  });

/** Brings the schema up to date. Safe to call on every start and from several processes. */
export async function migrate(database: Database): Promise<void> {
  const { error } = await migrator(database).migrateToLatest();
  if (error) throw error;
}
