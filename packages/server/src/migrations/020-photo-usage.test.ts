import { afterAll, describe, expect, it } from 'vitest';
import { PhotoStore } from '../photos/store.js';
import { engines } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import { openReleaseBefore } from '../testing/upgrades.js';
import { migrator } from './migrate.js';

/**
 * An upgrade: photos stored by the release before migration 020, whose quota checks summed them,
 * read by this release from the counters the migration fills.
 */
describe.each(engines)('upgrading photo quotas to counted usage ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  it('counts what every identity and API key stored before the upgrade', async () => {
    const { storage } = await openReleaseBefore(engine, dataDir, '019-note-answer-outcomes');
    try {
      const { db } = storage.database;
      const now = Date.now();
      const photo = (id: string, ownerId: string, apiKeyId: string | null, storedBytes: number) => ({
        id,
        owner_id: ownerId,
        api_key_id: apiKeyId,
        status: 'ready' as const,
        visibility: 'private' as const,
        content_type: 'image/jpeg',
        bytes: storedBytes,
        stored_bytes: storedBytes,
        width: null,
        height: null,
        variants: null,
        failure_reason: null,
        original_etag: null,
        upload_expires_at: now,
        upload_claimed_at: null,
        version: 1,
        created_at: now,
        updated_at: now,
      });
      await db
        .insertInto('photos')
        .values([
          photo('pho_a1', 'idn_alice', 'key_app', 100),
          photo('pho_a2', 'idn_alice', 'key_app', 250),
          photo('pho_b1', 'idn_bob', 'key_app', 40),
          // Created before API keys were recorded (migration 011): it counts for its owner only.
          photo('pho_b2', 'idn_bob', null, 7),
        ])
        .execute();
      // Alice's lock row exists already (she has created photos since quotas were locked); Bob's does not.
      await db.insertInto('photo_owners').values({ owner_id: 'idn_alice', locked_at: now }).execute();

      const migrated = await migrator(storage.database).migrateToLatest();
      if (migrated.error) throw migrated.error;
      const store = new PhotoStore(storage.database);
      expect(await store.usage('owner_id', 'idn_alice')).toBe(350);
      expect(await store.usage('owner_id', 'idn_bob')).toBe(47);
      expect(await store.usage('api_key_id', 'key_app')).toBe(390);
      expect(await store.usage('owner_id', 'idn_nobody')).toBe(0);
    } finally {
      await storage.close();
    }
  });
});
