import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { SqliteCacheGenerations } from '../db/cache-generations.sqlite.js';
import type { Database, Tables } from '../db/database.js';
import { openSqlite } from '../db/sqlite.js';
import { memoryWindowLimiters } from '../limiter/window-limiters.memory.js';
import { openMail } from '../mail/factory.js';
import { migrate } from '../migrations/migrate.js';
import { createLogger } from '../shared/observability.js';
import { tempDir } from '../testing/harness.js';
import type { IdentityDataOwner } from './data-owners.js';
import { createIdentityService } from './factory.js';
import type { IdentityService } from './service.js';

/**
 * The data-owner contract, exercised with an owner that writes real rows (in the `settings` table)
 * inside the identity service's transaction. HTTP cannot add an owner, so this suite drives the
 * service; the notes and photos suites test their own owners through HTTP.
 */
/** `settings` is a foundation table outside `Tables`; the recorder writes there as a data owner would to its own. */
const scratch = (db: Kysely<Tables>) => db as unknown as Kysely<{ settings: { name: string; value: string } }>;

describe('identity data owners', () => {
  const dir = tempDir();
  let database: Database;
  let identities: IdentityService;
  let failing: 'move' | 'delete' | null = null;
  const owner: IdentityDataOwner = {
    name: 'recorder',
    async moveData(trx, from, to) {
      await scratch(trx)
        .insertInto('settings')
        .values({ name: `moved:${from}`, value: to })
        .execute();
      if (failing === 'move') throw new Error('move failed');
    },
    async deleteData(trx, id) {
      await scratch(trx)
        .insertInto('settings')
        .values({ name: `deleted:${id}`, value: '' })
        .execute();
      if (failing === 'delete') throw new Error('delete failed');
    },
  };
  const setting = async (name: string) =>
    (await scratch(database.db).selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst())?.value;

  const file = join(dir, 'shoebox.sqlite');
  const generations = new SqliteCacheGenerations(file);
  beforeAll(async () => {
    const config = parseConfig({ SHOEBOX_DATA_DIR: dir });
    database = openSqlite(file);
    await migrate(database);
    const { mailer } = openMail(config, database, memoryWindowLimiters, createLogger('silent'));
    identities = await createIdentityService(config, database, memoryWindowLimiters, [owner], generations, mailer);
  });
  afterAll(async () => {
    await generations.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves a guest’s data to the identity it merges into, in the merge transaction', async () => {
    const target = await identities.loginAsDeveloper('owner-1', null);
    const guest = await identities.createGuest('127.0.0.1');
    const merged = await identities.loginAsDeveloper('owner-1', guest.identityId);
    expect(merged).toMatchObject({ identityId: target.identityId, mergedFrom: guest.identityId });
    expect(await setting(`moved:${guest.identityId}`)).toBe(target.identityId);
  });

  it('leaves the guest untouched when an owner fails to move its data', async () => {
    await identities.loginAsDeveloper('owner-2', null);
    const guest = await identities.createGuest('127.0.0.1');
    failing = 'move';
    await expect(identities.loginAsDeveloper('owner-2', guest.identityId)).rejects.toThrow('move failed');
    failing = null;
    expect(await setting(`moved:${guest.identityId}`)).toBeUndefined();
    expect(await identities.get(guest.identityId)).toMatchObject({ disabledAt: null, mergedInto: null });
    await expect(identities.authenticate(guest.accessToken)).resolves.toMatchObject({ identityId: guest.identityId });
  });

  it('deletes what an identity owns together with the identity', async () => {
    const account = await identities.loginAsDeveloper('owner-3', null);
    await identities.delete(account.identityId);
    expect(await setting(`deleted:${account.identityId}`)).toBe('');
    await expect(identities.get(account.identityId)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps the identity when an owner fails to delete its data', async () => {
    const account = await identities.loginAsDeveloper('owner-4', null);
    failing = 'delete';
    await expect(identities.delete(account.identityId)).rejects.toThrow('delete failed');
    failing = null;
    expect(await setting(`deleted:${account.identityId}`)).toBeUndefined();
    await expect(identities.authenticate(account.accessToken)).resolves.toMatchObject({ identityId: account.identityId });
  });
});
