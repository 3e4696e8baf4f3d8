import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseQuery } from '../search/query.js';
import { engines } from '../testing/engines.js';
import { seedIdentities } from '../testing/identity.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { NotesDataOwner } from './data-owner.js';
import { etagOf } from './note.js';
import { NotesStore } from './store.js';

let shoebox: TestShoebox;
const A = 'idn_alice';
const B = 'idn_bob';
const changes = () => shoebox.database.db.selectFrom('stream_changes').selectAll().where('entity', '=', 'note').orderBy('seq').execute();
/** A (pending) photo of `ownerId`'s, to name in notes: notes may name only their owner's photos. */
const photoOf = async (ownerId: string) =>
  (await shoebox.photos.service.create(ownerId, { contentType: 'image/jpeg', contentLength: 100 })).photo.photoId;
const noteRows = () => shoebox.database.db.selectFrom('notes').selectAll().orderBy('note_id').execute();
const searchIds = async (ownerId: string, q: string) =>
  (await shoebox.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId }, { limit: 100 })).hits.map((hit) => hit.noteId);

/** Runs `attempt`, expects the problem `code`, and checks that neither notes nor the stream changed. */
async function refusedWithoutChange(attempt: () => Promise<unknown>, code: string): Promise<void> {
  const before = [await noteRows(), await changes()];
  await expect(attempt()).rejects.toMatchObject({ code });
  expect([await noteRows(), await changes()]).toEqual(before);
}

describe.each(engines)('notes service ($name)', (engine) => {
  beforeEach(async () => {
    shoebox = await openTestShoebox(engine);
    await seedIdentities(shoebox, A, B);
  });
  afterEach(() => shoebox.dispose());
  it('creates a note with one INSERT change carrying its image', async () => {
    const photo = await photoOf(A);
    const { note, replayed } = await shoebox.notes.create(A, {
      headline: '  Trip  ',
      text: 'Beach',
      photoIds: [photo],
      visibility: 'public',
    });
    expect(replayed).toBe(false);
    expect(note).toMatchObject({ headline: 'Trip', text: 'Beach', photoIds: [photo], visibility: 'public', version: 1 });
    expect(note.noteId).toMatch(/^[0-9a-f-]{36}$/);
    const [change, ...rest] = await changes();
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ entity: 'note', entity_id: note.noteId, owner_id: A, op: 'INSERT', version: 1, old_image: null });
    expect(JSON.parse(change!.new_image!)).toEqual({ ...note, ownerId: A });
  });

  it('accepts the reference model body with a client-chosen noteId', async () => {
    const { note } = await shoebox.notes.create(A, { noteId: 'my-note_1', headline: 'h', text: 't' });
    expect(note).toMatchObject({ noteId: 'my-note_1', visibility: 'private', photoIds: [] });
  });

  it('answers a retried POST with the same Idempotency-Key with the first answer, once', async () => {
    const first = await shoebox.notes.create(A, { headline: 'h', text: 't' }, 'key-1');
    await shoebox.notes.patch(A, first.note.noteId, { text: 'edited since' });
    const retry = await shoebox.notes.create(A, { text: 't', headline: 'h' }, 'key-1');
    expect(retry).toEqual({ note: first.note, outcome: 'created', replayed: true });
    expect((await noteRows()).length).toBe(1);
    // Keys belong to an identity: Bob's key-1 is his own.
    expect((await shoebox.notes.create(B, { headline: 'h', text: 't' }, 'key-1')).replayed).toBe(false);
    await refusedWithoutChange(() => shoebox.notes.create(A, { headline: 'other', text: 't' }, 'key-1'), 'idempotency_key_reused');
  });

  it('refuses a create on a note id its owner uses, without changing anything, and lets others use it', async () => {
    await shoebox.notes.create(A, { noteId: 'taken', headline: 'h', text: 't' });
    await refusedWithoutChange(() => shoebox.notes.create(A, { noteId: 'taken', headline: 'x', text: 'y' }), 'note_id_taken');
    expect((await shoebox.notes.create(B, { noteId: 'taken', headline: 'x', text: 'y' })).note).toMatchObject({
      noteId: 'taken',
      version: 1,
    });
    expect((await shoebox.notes.get(A, 'taken')).headline).toBe('h');
  });

  it('creates with PUT, replaces with PUT and PATCH, each a MODIFY with old and new images', async () => {
    expect((await shoebox.notes.put(A, 'n1', { headline: 'h1', text: 't1', photoIds: [await photoOf(A)] })).created).toBe(true);
    const replaced = await shoebox.notes.put(A, 'n1', { headline: 'h2', text: 't2' });
    expect(replaced).toMatchObject({ created: false, note: { version: 2, headline: 'h2', photoIds: [], visibility: 'private' } });
    const patched = await shoebox.notes.patch(A, 'n1', { visibility: 'public' });
    expect(patched).toMatchObject({ version: 3, headline: 'h2', text: 't2', visibility: 'public' });
    const all = await changes();
    expect(all.map((c) => [c.op, c.version])).toEqual([
      ['INSERT', 1],
      ['MODIFY', 2],
      ['MODIFY', 3],
    ]);
    expect(JSON.parse(all[2]!.old_image!)).toMatchObject({ visibility: 'private', version: 2 });
    expect(JSON.parse(all[2]!.new_image!)).toMatchObject({ visibility: 'public', version: 3 });
  });

  it('applies If-Match and If-None-Match, refusing stale writes with nothing changed', async () => {
    await shoebox.notes.put(A, 'n1', { headline: 'h', text: 't' });
    await shoebox.notes.patch(A, 'n1', { text: 'v2' });
    const stale = etagOf(1);
    await refusedWithoutChange(() => shoebox.notes.put(A, 'n1', { headline: 'x', text: 'x' }, { ifMatch: stale }), 'precondition_failed');
    await refusedWithoutChange(() => shoebox.notes.patch(A, 'n1', { text: 'x' }, { ifMatch: stale }), 'precondition_failed');
    await refusedWithoutChange(() => shoebox.notes.delete(A, 'n1', { ifMatch: `W/${etagOf(2)}` }), 'precondition_failed');
    await refusedWithoutChange(() => shoebox.notes.put(A, 'n1', { headline: 'x', text: 'x' }, { ifNoneMatch: '*' }), 'precondition_failed');
    await refusedWithoutChange(() => shoebox.notes.put(A, 'new', { headline: 'x', text: 'x' }, { ifMatch: '*' }), 'precondition_failed');
    expect((await shoebox.notes.patch(A, 'n1', { text: 'v3' }, { ifMatch: `"v9", ${etagOf(2)}` })).version).toBe(3);
    await shoebox.notes.delete(A, 'n1', { ifMatch: '*' });
  });

  it("treats another identity's note exactly like a missing one", async () => {
    await shoebox.notes.put(A, 'mine', { headline: 'secret', text: 'secret' });
    for (const noteId of ['mine', 'nobody-has-this']) {
      await expect(shoebox.notes.get(B, noteId)).rejects.toMatchObject({ code: 'not_found' });
      await refusedWithoutChange(() => shoebox.notes.patch(B, noteId, { text: 'x' }), 'not_found');
      await refusedWithoutChange(() => shoebox.notes.delete(B, noteId), 'not_found');
      await refusedWithoutChange(() => shoebox.notes.put(B, noteId, { headline: 'x', text: 'x' }, { ifMatch: '*' }), 'precondition_failed');
    }
    expect((await shoebox.notes.list(B, { limit: 10 })).notes).toEqual([]);
  });

  it('lets concurrent writes to one note each go through or answer 412, with one change per write that went through', async () => {
    const { note } = await shoebox.notes.create(A, { headline: 'h', text: 't' });
    const writes = await Promise.allSettled([
      ...Array.from({ length: 6 }, (_, i) => shoebox.notes.patch(A, note.noteId, { text: `t${i}` })),
      shoebox.notes.put(A, note.noteId, { headline: 'put', text: 'p' }),
      shoebox.notes.delete(A, note.noteId),
    ]);
    for (const write of writes) {
      if (write.status === 'rejected')
        expect(write.reason).toMatchObject({ code: expect.stringMatching(/^(precondition_failed|not_found)$/) });
    }
    const through = writes.filter((write) => write.status === 'fulfilled').length;
    const recorded = await changes();
    expect(recorded.map((change) => Number(change.version))).toEqual(Array.from({ length: through + 1 }, (_, i) => i + 1));
    const [row] = await noteRows();
    expect(Number(row?.version)).toBe(through + 1);
    expect(row?.deleted_at !== null).toBe(recorded.at(-1)?.op === 'REMOVE');
  });

  it('deletes into a tombstone whose owner goes on after its version when reusing the id', async () => {
    const photo = await photoOf(A);
    await shoebox.notes.put(A, 'n1', { headline: 'h', text: 't', photoIds: [photo] });
    await shoebox.notes.delete(A, 'n1');
    await expect(shoebox.notes.get(A, 'n1')).rejects.toMatchObject({ code: 'not_found' });
    const [, removed] = await changes();
    expect(removed).toMatchObject({ op: 'REMOVE', version: 2, new_image: null });
    expect(JSON.parse(removed!.old_image!)).toMatchObject({ noteId: 'n1', headline: '', text: '', photoIds: [photo], version: 1 });
    expect(await noteRows()).toEqual([expect.objectContaining({ headline: '', text: '', photo_ids: '[]', version: 2 })]);
    expect(await shoebox.notes.put(B, 'n1', { headline: 'x', text: 'x' })).toMatchObject({ created: true, note: { version: 1 } });
    const again = await shoebox.notes.put(A, 'n1', { headline: 'again', text: 't' });
    expect(again).toMatchObject({ created: true, note: { version: 3 } });
  });

  it('lists newest first with a cursor, filters by photo, and leaves out deleted and foreign notes', async () => {
    const odd = await photoOf(A);
    for (let i = 0; i < 7; i++) await shoebox.notes.put(A, `n${i}`, { headline: `h${i}`, text: 't', photoIds: i % 2 ? [odd] : [] });
    await shoebox.notes.put(B, 'b1', { headline: 'bob', text: 't', photoIds: [await photoOf(B)] });
    await shoebox.notes.delete(A, 'n5');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await shoebox.notes.list(A, { limit: 2, cursor });
      seen.push(...page.notes.map((n) => n.noteId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['n6', 'n4', 'n3', 'n2', 'n1', 'n0']);
    const withPhoto = await shoebox.notes.list(A, { limit: 10, photoId: odd });
    expect(withPhoto.notes.map((n) => n.noteId)).toEqual(['n3', 'n1']);
    await expect(shoebox.notes.list(A, { limit: 2, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('moves and deletes an identity’s notes as writes the index follows', async () => {
    const owner = new NotesDataOwner(new NotesStore(shoebox.database), shoebox.notes);
    await shoebox.notes.put(A, 'a1', { headline: 'guest zebra', text: 't' });
    await shoebox.notes.put(A, 'a2', { headline: 'gone', text: 't' });
    await shoebox.notes.delete(A, 'a2');
    await shoebox.processor.drain();
    expect(await searchIds(A, 'zebra')).toEqual(['a1']);

    await shoebox.database.db.transaction().execute((trx) => owner.moveData(trx, A, B));
    await shoebox.database.db.transaction().execute((trx) => owner.moveData(trx, A, B));
    await shoebox.processor.drain();
    expect((await shoebox.notes.get(B, 'a1')).version).toBe(1);
    expect(await searchIds(A, 'zebra')).toEqual([]);
    expect(await searchIds(B, 'zebra')).toEqual(['a1']);
    // A tombstone stays with its owner: the id is as new to Bob as any other.
    expect((await shoebox.notes.put(B, 'a2', { headline: 'back', text: 't' })).note.version).toBe(1);

    await shoebox.database.db.transaction().execute((trx) => owner.deleteData(trx, B));
    await shoebox.processor.drain();
    expect((await shoebox.notes.list(B, { limit: 10 })).notes).toEqual([]);
    expect(await searchIds(B, 'zebra OR back')).toEqual([]);
  });
});
