import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { NoDeploymentError } from '../shared/no-deployment.js';
import { redactUrl } from '../shared/urls.js';
import type { Database, Tables } from './database.js';

// Epoch-millisecond timestamps and counters are bigint columns; they fit a JS number exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** An open PostgreSQL database: the pool every query shares, and dedicated connections for LISTEN. */
export interface PostgresDatabase extends Database {
  readonly engine: 'postgres';
  readonly pool: pg.Pool;
  /** A new connection outside the pool (not yet connected), for work that holds one open, such as LISTEN. */
  newClient(): pg.Client;
}

export interface PostgresOptions {
  readonly poolSize: number;
  /**
   * How long a query waits for a pooled connection (all busy) or for a new one to connect. Past
   * it, pg fails the query; requests answer 503 then (db/unavailable.ts).
   */
  readonly poolTimeoutMs: number;
  readonly schema: string;
  /** Whether a missing schema is created (a new deployment); otherwise opening fails with a NoDeploymentError. */
  readonly createSchema: boolean;
}

/**
 * The `application_name` of every connection Shoebox opens to its schema, by which `shoebox
 * destroy` finds the processes still using it in pg_stat_activity. PostgreSQL keeps 63 bytes of it.
 */
export const applicationName = (schema: string): string => `shoebox:${schema}`.slice(0, 63);

/** How long a connection of its own (LISTEN) may take to connect. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The scale-out engine: a pool of connections to PostgreSQL shared by every query of the process.
 * Every Shoebox table lives in its own schema (`shoebox` by default, first on each connection's
 * search path), so Shoebox can share a database and `shoebox destroy` can drop exactly its own.
 * Fails at open, with a message naming the server, when PostgreSQL cannot be reached, and with a
 * NoDeploymentError when the schema is missing and may not be created.
 */
export async function openPostgres(url: string, options: PostgresOptions): Promise<PostgresDatabase> {
  const { schema } = options;
  const settings = { connectionString: url, options: `-c search_path=${schema}`, application_name: applicationName(schema) };
  // One connection stays open even when idle, so `shoebox destroy` sees a process without traffic.
  const pool = new pg.Pool({ ...settings, min: 1, max: options.poolSize, connectionTimeoutMillis: options.poolTimeoutMs });
  // A connection the server ends (restart, failover) emits 'error', and an unheard 'error' ends
  // the process. Idle, the pool hears it and replaces the connection; checked out, the pool stops
  // listening, so every connection gets a listener of its own: the query running on it fails
  // with the cause anyway (and its request answers 503, db/unavailable.ts).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    if (options.createSchema) await createSchema(pool, schema);
    else if (!(await schemaExists(pool, schema))) throw new NoDeploymentError(`PostgreSQL schema "${schema}" at ${redactUrl(url)}`);
  } catch (error) {
    await pool.end();
    if (error instanceof NoDeploymentError) throw error;
    throw new Error(`Cannot reach PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`);
  }
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    db,
    pool,
    newClient: () => new pg.Client({ ...settings, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }),
    // A transaction-scoped advisory lock: released by commit or rollback, or when a crashed holder's connection ends.
    exclusive: (lock, work) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(trx);
        return work(trx);
      }),
    // Transactions of a pool run side by side: each write commits on its own.
    write: (work) => db.transaction().execute(work),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * `create schema if not exists` is not safe to race: when several processes start at once on a
 * fresh database, the losers fail on a unique index of the catalog. Losing that race is fine, the
 * schema is there. (The migrator then takes its own lock.)
 */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists ${schema}`);
  } catch (error) {
    if (!(await schemaExists(pool, schema))) throw error;
  }
}

async function schemaExists(pool: pg.Pool, schema: string): Promise<boolean> {
  const found = await pool.query('select 1 from pg_namespace where nspname = $1', [schema]);
  return found.rowCount === 1;
}
