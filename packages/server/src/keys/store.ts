import type { Kysely, Selectable } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { Plan } from '../limiter/limiter.js';
import type { ApiKeyTables } from './tables.js';

type Row = Selectable<ApiKeyTables['api_keys']>;

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  /** The first characters of the secret, enough to recognise a key in a list. */
  readonly prefix: string;
  readonly plan: Plan;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface NewApiKey {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string;
  readonly prefix: string;
  readonly plan: Plan;
  readonly createdAt: Date;
}

/** Storage of API keys. Secrets never reach this layer, only their hashes. */
export class ApiKeyStore {
  constructor(private readonly database: Database) {}

  insert(key: NewApiKey): Promise<ApiKey> {
    return insertKey(this.database.db, key);
  }

  /** Inserts `key` only when there is no key yet, even with several processes starting at once. */
  insertFirst(key: NewApiKey): Promise<ApiKey | undefined> {
    return this.database.exclusive('shoebox.api_keys.first', async (trx) => {
      const existing = await trx.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
      return existing ? undefined : insertKey(trx, key);
    });
  }

  /** The key whose secret hashes to `secretHash`, revoked or not. */
  async findBySecretHash(secretHash: string): Promise<ApiKey | undefined> {
    const row = await this.database.db.selectFrom('api_keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
    return row && toApiKey(row);
  }

  async findById(id: string): Promise<ApiKey | undefined> {
    const row = await this.database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiKey(row);
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.database.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiKey);
  }

  async count(): Promise<number> {
    const row = await this.database.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Returns false when no such key exists. */
  async setPlan(id: string, plan: Plan): Promise<boolean> {
    const result = await this.database.db.updateTable('api_keys').set(planColumns(plan)).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Idempotent: revoking a revoked key keeps its first revocation time. Returns false when no such key exists. */
  async revoke(id: string, at: Date): Promise<boolean> {
    await this.database.db
      .updateTable('api_keys')
      .set({ revoked_at: at.getTime() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    return (await this.findById(id)) !== undefined;
  }
}

const planColumns = (plan: Plan) => ({
  rate: plan.rate,
  burst: plan.burst,
  quota_limit: plan.quota?.limit ?? null,
  quota_period: plan.quota?.period ?? null,
});

function toApiKey(row: Row): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.secret_prefix,
    plan: {
      rate: Number(row.rate),
      burst: Number(row.burst),
      quota: row.quota_limit !== null && row.quota_period !== null ? { limit: Number(row.quota_limit), period: row.quota_period } : null,
    },
    createdAt: new Date(Number(row.created_at)),
    revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)),
  };
}

async function insertKey(db: Kysely<Tables>, key: NewApiKey): Promise<ApiKey> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      name: key.name,
      secret_hash: key.secretHash,
      secret_prefix: key.prefix,
      ...planColumns(key.plan),
      created_at: key.createdAt.getTime(),
      revoked_at: null,
    })
    .execute();
  return { id: key.id, name: key.name, prefix: key.prefix, plan: key.plan, createdAt: key.createdAt, revokedAt: null };
}
