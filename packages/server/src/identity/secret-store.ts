import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';

/** Server secrets of the identity service, in the database so every process holds the same ones. */
export class IdentitySecretStore {
  constructor(private readonly db: Kysely<Tables>) {}

  /** The secret called `name`, made on first use. Safe to race: the first insert wins and every process reads that one. */
  async ensure(name: string, now: number): Promise<Buffer> {
    await this.db
      .insertInto('identity_secrets')
      .values({ name, secret: randomBytes(32).toString('base64url'), created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('identity_secrets').select('secret').where('name', '=', name).executeTakeFirstOrThrow();
    return Buffer.from(row.secret, 'base64url');
  }
}
