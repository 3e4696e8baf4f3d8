import { afterAll, describe, expect, it } from 'vitest';
import { openShoebox } from '../runtime/shoebox.js';
import { documentRow } from '../search/documents.js';
import { engines } from '../testing/engines.js';
import { removeTestData, tempDir } from '../testing/harness.js';
import { seedIdentities } from '../testing/identity.js';
import { openReleaseBefore } from '../testing/upgrades.js';

const ALICE = 'idn_alice';
const BOB = 'idn_bob';
/** An identity deleted before the upgrade: its notes' changes still hold their words. */
const GONE = 'idn_gone';
const at = 1_700_000_000_000;

/**
 * An upgrade: a database as the release before migration 010 left it (note ids unique across
 * identities), with notes, a photo link, search entries and changes, opened by this release.
 */
describe.each(engines)('upgrading to note ids per identity ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  it('keeps notes, photo links and search entries, blanks recorded words that must go, then lets identities share ids', async () => {
    const { config, storage } = await openReleaseBefore(engine, dataDir, '009-photo-original-etag');
    let documentsBefore: unknown[];
    try {
      const { db } = storage.database;
      await db
        .insertInto('identities')
        .values({ id: ALICE, kind: 'guest', created_at: at, disabled_at: null, merged_into: null })
        .execute();
      const note = { headline: 'Old walrus', text: 'tusks', photo_ids: '["pho_0123456789abcdef"]', visibility: 'public' as const };
      await db
        .insertInto('notes')
        .values([
          { note_id: 'n1', owner_id: ALICE, ...note, version: 2, created_at: at, updated_at: at, deleted_at: null },
          {
            note_id: 'gone',
            owner_id: ALICE,
            headline: '',
            text: '',
            photo_ids: '[]',
            visibility: 'private',
            version: 3,
            created_at: at,
            updated_at: at,
            deleted_at: at,
          },
        ])
        .execute();
      await db.insertInto('note_photos').values({ note_id: 'n1', photo_id: 'pho_0123456789abcdef', owner_id: ALICE }).execute();
      const indexed = {
        noteId: 'n1',
        ownerId: ALICE,
        visibility: 'public' as const,
        headline: 'Old walrus',
        text: 'tusks',
        version: 2,
        updatedAt: new Date(at),
      };
      await db
        .insertInto('search_documents')
        .values([
          documentRow({ ...indexed, removed: false }, at),
          documentRow({ noteId: 'gone', ownerId: ALICE, version: 3, removed: true }, at),
        ])
        .execute();
      const image = (noteId: string, ownerId: string, words: string) =>
        JSON.stringify({ noteId, ownerId, headline: words, text: words, visibility: 'private', updatedAt: new Date(at).toISOString() });
      await db
        .insertInto('stream_changes')
        .values([
          {
            entity: 'note',
            entity_id: 'n1',
            owner_id: ALICE,
            op: 'INSERT',
            version: 1,
            old_image: null,
            new_image: image('n1', ALICE, 'Old walrus'),
            created_at: at,
          },
          {
            entity: 'note',
            entity_id: 'gone',
            owner_id: ALICE,
            op: 'REMOVE',
            version: 3,
            old_image: image('gone', ALICE, 'removed words'),
            new_image: null,
            created_at: at,
          },
          {
            entity: 'note',
            entity_id: 'g1',
            owner_id: GONE,
            op: 'MODIFY',
            version: 2,
            old_image: image('g1', GONE, 'deleted words'),
            new_image: image('g1', GONE, 'deleted words'),
            created_at: at,
          },
        ])
        .execute();
      documentsBefore = await db.selectFrom('search_documents').selectAll().orderBy('doc_id').execute();
    } finally {
      await storage.close();
    }

    const shoebox = await openShoebox(config);
    try {
      await seedIdentities(shoebox, BOB);
      const { db } = shoebox.database;
      expect(await shoebox.notes.get(ALICE, 'n1')).toMatchObject({
        headline: 'Old walrus',
        photoIds: ['pho_0123456789abcdef'],
        version: 2,
      });
      const withPhoto = await shoebox.notes.list(ALICE, { limit: 10, photoId: 'pho_0123456789abcdef' });
      expect(withPhoto.notes.map((n) => n.noteId)).toEqual(['n1']);
      expect(await db.selectFrom('search_documents').selectAll().orderBy('doc_id').execute()).toEqual(documentsBefore);
      if (engine.database === 'sqlite') {
        // SQLite rebuilt search_documents: its FTS5 index must still find the entries by their kept doc_ids.
        const found = await shoebox.search.search(ALICE, { q: 'walrus', limit: 10, scope: 'public' });
        expect(found.hits.map((hit) => hit.noteId)).toEqual(['n1']);
      }

      const images = await db.selectFrom('stream_changes').select(['entity_id', 'old_image', 'new_image']).orderBy('seq').execute();
      expect(images.map((row) => `${row.old_image} ${row.new_image}`)).toEqual([
        expect.stringContaining('Old walrus'),
        expect.not.stringMatching(/removed words/),
        expect.not.stringMatching(/deleted words/),
      ]);
      expect(JSON.parse(images[1]?.old_image ?? '{}')).toEqual({
        noteId: 'gone',
        ownerId: ALICE,
        headline: '',
        text: '',
        visibility: 'private',
        updatedAt: new Date(at).toISOString(),
      });

      // Now Bob may use Alice's ids, live or deleted, and Alice goes on after her tombstone.
      expect((await shoebox.notes.put(BOB, 'n1', { headline: 'Bob walrus', text: '', visibility: 'public' })).note.version).toBe(1);
      expect((await shoebox.notes.put(BOB, 'gone', { headline: 'b', text: '' })).note.version).toBe(1);
      expect((await shoebox.notes.put(ALICE, 'gone', { headline: 'a', text: '' })).note.version).toBe(4);
      await shoebox.processor.drain();
      const found = await shoebox.search.search(BOB, { q: 'walrus', limit: 10, scope: 'mine' });
      expect(found.hits.map((hit) => [hit.noteId, hit.headline])).toEqual([['n1', 'Bob walrus']]);
      expect((await shoebox.notes.get(ALICE, 'n1')).headline).toBe('Old walrus');
    } finally {
      await shoebox.close();
    }
  });
});
