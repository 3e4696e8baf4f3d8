import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';

export interface StoredSigningKey {
  readonly kid: string;
  readonly algorithm: string;
  readonly publicJwk: string;
  readonly privateJwk: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
  readonly verifyUntil: number | null;
}

/**
 * Signing keys live in the database so every API process signs and verifies with the same set,
 * and a rotation made by one process (or the CLI) reaches all of them.
 */
export class SigningKeyStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** The kid of the key that signs now: the newest unretired one (two processes may create one each at first start). */
  async currentKid(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('signing_keys')
      .select('kid')
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.kid;
  }

  async find(kid: string): Promise<StoredSigningKey | undefined> {
    const row = await this.db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
    return row && toKey(row);
  }

  /** Keys that may still verify a token at `now`, newest first. */
  async verifying(now: number): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('verify_until', 'is', null), eb('verify_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    return rows.map(toKey);
  }

  /**
   * Makes `key` the signing key: every other unretired key retires now and keeps verifying until
   * `verifyUntil`; keys whose window has passed are deleted. One transaction, so no process ever
   * sees zero signing keys.
   */
  async rotate(key: StoredSigningKey, verifyUntil: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const retiring = await trx.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).execute();
      await trx
        .updateTable('signing_keys')
        .set({ retired_at: key.createdAt, verify_until: verifyUntil })
        .where('retired_at', 'is', null)
        .execute();
      await trx.deleteFrom('signing_keys').where('verify_until', '<=', key.createdAt).execute();
      await trx.insertInto('signing_keys').values(toRow(key)).execute();
      return retiring.map((row) => row.kid);
    });
  }

  async insert(key: StoredSigningKey): Promise<void> {
    await this.db.insertInto('signing_keys').values(toRow(key)).execute();
  }
}

const toRow = (key: StoredSigningKey) => ({
  kid: key.kid,
  algorithm: key.algorithm,
  public_jwk: key.publicJwk,
  private_jwk: key.privateJwk,
  created_at: key.createdAt,
  retired_at: key.retiredAt,
  verify_until: key.verifyUntil,
});

const toKey = (row: Tables['signing_keys']): StoredSigningKey => ({
  kid: row.kid,
  algorithm: row.algorithm,
  publicJwk: row.public_jwk,
  privateJwk: row.private_jwk,
  createdAt: Number(row.created_at),
  retiredAt: row.retired_at === null ? null : Number(row.retired_at),
  verifyUntil: row.verify_until === null ? null : Number(row.verify_until),
});
