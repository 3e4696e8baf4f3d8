import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, postJson, ROOMY_PLAN } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { uploaded } from '../testing/photos.js';

/** Notes name photos by id: only their owner's own, and a deleted photo leaves the notes that named it. */
describe.each(engines)('photos in notes ($name)', (engine) => {
  let server: TestServer;
  let token: string;
  let other: string;
  let mine: string;
  let theirs: string;

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    token = (await createGuest(server)).accessToken;
    other = (await createGuest(server)).accessToken;
    mine = (await uploaded(server, token, await phoneJpeg())).photoId;
    theirs = (await uploaded(server, other, await phoneJpeg())).photoId;
  });
  afterAll(() => server.stop());

  const createNote = (photoIds: string[], as = token) =>
    postJson(server, '/v1/notes', { headline: 'At the beach', text: 'Sand everywhere', photoIds }, { authorization: `Bearer ${as}` });
  const notesOf = async (as: string) => (await json(await asIdentity(server, as, '/v1/notes'))).notes;

  it('takes the caller’s own photos', async () => {
    const response = await createNote([mine]);
    expect(response.status).toBe(201);
    expect(await json(response)).toMatchObject({ photoIds: [mine] });
  });

  it.each([
    { name: "another identity's photo", ids: () => [theirs] },
    { name: 'an unknown photo', ids: () => ['pho_AAAAAAAAAAAAAAAA'] },
    { name: 'one foreign photo among own ones', ids: () => [mine, theirs] },
    { name: 'something that is no photo id', ids: () => ['key_notaphoto'] },
  ])('refuses $name and creates nothing', async ({ ids }) => {
    const owner = (await createGuest(server)).accessToken;
    const own = (await uploaded(server, owner, await phoneJpeg())).photoId;
    const body = await expectProblem(
      await createNote(
        ids().map((id) => (id === mine ? own : id)),
        owner,
      ),
      400,
      'validation_failed',
    );
    expect(body.errors).toEqual([expect.objectContaining({ field: 'body.photoIds' })]);
    expect(await notesOf(owner)).toEqual([]);
  });

  it('refuses to add a foreign photo to a note, and leaves the note as it was', async () => {
    const note = await json(await createNote([mine]));
    const patch = await asIdentity(server, token, `/v1/notes/${note.noteId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ photoIds: [mine, theirs] }),
    });
    await expectProblem(patch, 400, 'validation_failed');
    expect(await json(await asIdentity(server, token, `/v1/notes/${note.noteId}`))).toMatchObject({
      photoIds: [mine],
      version: note.version,
    });
  });

  it('takes a deleted photo out of the notes that named it, as a new version of each note', async () => {
    const owner = (await createGuest(server)).accessToken;
    const [kept, gone] = [
      (await uploaded(server, owner, await phoneJpeg())).photoId,
      (await uploaded(server, owner, await phoneJpeg())).photoId,
    ];
    const both = await json(await createNote([kept, gone], owner));
    const onlyGone = await json(await createNote([gone], owner));
    const unrelated = await json(await createNote([kept], owner));

    expect((await asIdentity(server, owner, `/v1/photos/${gone}`, { method: 'DELETE' })).status).toBe(204);
    const read = async (noteId: string) => json(await asIdentity(server, owner, `/v1/notes/${noteId}`));
    expect(await read(both.noteId)).toMatchObject({ photoIds: [kept], version: both.version + 1, headline: 'At the beach' });
    expect(await read(onlyGone.noteId)).toMatchObject({ photoIds: [], version: onlyGone.version + 1 });
    expect(await read(unrelated.noteId)).toMatchObject({ photoIds: [kept], version: unrelated.version });
    expect((await json(await asIdentity(server, owner, `/v1/notes?photoId=${gone}`))).notes).toEqual([]);
    // Each rewrite is a note change in the stream, which keeps search in step.
    const change = await server.server.shoebox.database.db
      .selectFrom('stream_changes')
      .selectAll()
      .where('entity', '=', 'note')
      .where('entity_id', '=', both.noteId)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect({ op: change.op, version: Number(change.version), photoIds: JSON.parse(change.new_image ?? '{}').photoIds }).toEqual({
      op: 'MODIFY',
      version: both.version + 1,
      photoIds: [kept],
    });
    // A deleted photo cannot be named again.
    await expectProblem(await createNote([gone], owner), 400, 'validation_failed');
  });
});
