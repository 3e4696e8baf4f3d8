import { type Compilable, CompiledQuery } from 'kysely';
import type { UntypedDb } from './database.js';

/**
 * A Kysely query built and compiled once, then run with new parameter values: for the few queries
 * that run on every request, where building the query costs several times what running it does.
 * The query is compiled by the database it runs on, so each engine gets its own SQL. `build`
 * receives one distinct placeholder value per parameter; where each lands in the compiled query is
 * found by value, so the order of parameters in the SQL does not matter.
 */
export class HotQuery<Params extends readonly string[], Row> {
  private compiled: { readonly sql: string; readonly positions: readonly number[] } | undefined;

  constructor(
    private readonly db: UntypedDb,
    private readonly parameterCount: Params['length'],
    private readonly build: (db: UntypedDb, ...params: Params) => Compilable<Row>,
  ) {}

  async execute(...params: Params): Promise<Row[]> {
    const { sql, positions } = this.compile();
    const result = await this.db.executeQuery<Row>(
      CompiledQuery.raw(
        sql,
        positions.map((position) => params[position]),
      ),
    );
    return result.rows;
  }

  private compile() {
    if (this.compiled) return this.compiled;
    const placeholders = Array.from({ length: this.parameterCount }, (_, i) => `\u0000hot-query-parameter-${i}`) as unknown as Params;
    const query = this.build(this.db, ...placeholders).compile();
    const positions = query.parameters.map((value) => placeholders.indexOf(value as string));
    if (positions.includes(-1)) throw new Error('HotQuery: every parameter of the query must come from the placeholders');
    this.compiled = { sql: query.sql, positions };
    return this.compiled;
  }
}
