import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openShoebox } from '../runtime/shoebox.js';
import { sha256 } from '../shared/secrets.js';
import { engines } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import { openReleaseBefore } from '../testing/upgrades.js';

const ALICE = 'idn_alice';

/**
 * An upgrade: a POST with an Idempotency-Key answered by the release before migration 019, which
 * remembered the HTTP status it sent (201), retried after this release opened the database.
 */
describe.each(engines)('upgrading remembered creates to outcomes ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  it('replays a create remembered before the upgrade as created, and still refuses the key for another request', async () => {
    const now = Date.now();
    const note = {
      noteId: 'n1',
      headline: 'Old walrus',
      text: 'tusks',
      photoIds: [],
      visibility: 'private',
      version: 1,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    };
    const { config, storage } = await openReleaseBefore(engine, dataDir, '018-accounts-and-mail');
    try {
      const { db } = storage.database;
      await db
        .insertInto('identities')
        .values({ id: ALICE, kind: 'guest', created_at: now, disabled_at: null, merged_into: null })
        .execute();
      await db
        .insertInto('notes')
        .values({
          note_id: 'n1',
          owner_id: ALICE,
          headline: note.headline,
          text: note.text,
          photo_ids: '[]',
          visibility: 'private',
          version: 1,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .execute();
      // The row as the earlier release wrote it (its columns, not today's): the request's hash and the status it answered.
      const requestHash = sha256('{"headline":"Old walrus","text":"tusks"}');
      await sql`insert into note_idempotency (owner_id, idempotency_key, request_hash, status, response, created_at)
        values (${ALICE}, ${'key-1'}, ${requestHash}, ${201}, ${JSON.stringify(note)}, ${now})`.execute(db);
    } finally {
      await storage.close();
    }

    const shoebox = await openShoebox(config);
    try {
      const retry = await shoebox.notes.create(ALICE, { text: 'tusks', headline: 'Old walrus' }, 'key-1');
      expect(retry).toEqual({ note, outcome: 'created', replayed: true });
      await expect(shoebox.notes.create(ALICE, { headline: 'Other', text: 'tusks' }, 'key-1')).rejects.toMatchObject({
        code: 'idempotency_key_reused',
      });
      const { db } = shoebox.database;
      expect(await db.selectFrom('notes').select('note_id').where('owner_id', '=', ALICE).execute()).toEqual([{ note_id: 'n1' }]);
      expect(await db.selectFrom('note_idempotency').select(['idempotency_key', 'outcome']).execute()).toEqual([
        { idempotency_key: 'key-1', outcome: 'created' },
      ]);
    } finally {
      await shoebox.close();
    }
  });
});
