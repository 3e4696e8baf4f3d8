import pg from 'pg';
import { applicationName } from '../../db/postgres.js';
import { redactUrl } from '../../shared/urls.js';
import type { Eraser } from './eraser.js';

/**
 * Shoebox's own schema in PostgreSQL (db/postgres.ts keeps every table, sequence, function and
 * text search configuration of Shoebox there). Dropping it with `cascade` removes all of those,
 * and whatever an operator built on them in other schemas (views, foreign keys), as the README
 * says; other schemas' own tables and the database itself stay.
 * Connects with a plain client rather than `openPostgres`, which would create the schema.
 */
export async function openPostgresEraser(url: string, schema: string): Promise<Eraser> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A connection lost while idle must not crash the command; the next query reports it.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(`Cannot reach PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`);
  }
  const place = `PostgreSQL schema "${schema}" at ${redactUrl(url)}`;
  return {
    name: 'PostgreSQL',
    place,
    async survey() {
      const { rows } = await client.query<{ tables: number }>(
        `select count(c.oid)::int as tables
         from pg_namespace n left join pg_class c on c.relnamespace = n.oid and c.relkind in ('r', 'p')
         where n.nspname = $1 group by n.oid`,
        [schema],
      );
      const tables = rows[0]?.tables;
      return tables === undefined ? [] : [{ description: `${place}: ${tables} table(s)`, items: tables }];
    },
    async inUse() {
      // Every connection of a Shoebox process carries its schema's application_name; this one has none.
      const { rows } = await client.query<{ sessions: number; clients: string | null }>(
        `select count(*)::int as sessions, string_agg(distinct coalesce(host(client_addr), 'a local socket'), ', ') as clients
         from pg_stat_activity where datname = current_database() and application_name = $1 and pid <> pg_backend_pid()`,
        [applicationName(schema)],
      );
      const { sessions = 0, clients } = rows[0] ?? {};
      return sessions === 0
        ? []
        : [`${sessions} PostgreSQL session(s) of Shoebox on schema "${schema}" at ${redactUrl(url)}, from ${clients}`];
    },
    async erase() {
      // config/config.ts admits only lower-case identifiers; quoting still keeps any name a single identifier.
      await client.query(`drop schema if exists ${client.escapeIdentifier(schema)} cascade`);
    },
    close: () => client.end(),
  };
}
