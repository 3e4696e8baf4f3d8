import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../search/query.js';
import { toChange } from '../stream/claims.js';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, passwordLogin, ROOMY_PLAN, signUp } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';

describe.each(engines)('notes follow their identity ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  const post = async (token: string, headline: string) => {
    const response = await asIdentity(server, token, '/v1/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ headline, text: '' }),
    });
    expect(response.status).toBe(201);
    return (await json(response)).noteId as string;
  };
  const put = (token: string, noteId: string, headline: string) =>
    asIdentity(server, token, `/v1/notes/${noteId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ headline, text: '' }),
    });
  const caughtUp = () => eventually(async () => (await streamStatus(server.server.shoebox.database, ['search']))[0]?.lagChanges === 0);
  const indexed = async (ownerId: string, q: string) =>
    (await server.server.shoebox.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId }, { limit: 10 })).hits.map((h) => h.noteId);

  it('moves a guest’s notes to the account it logs into, a colliding id renamed, and search follows', async () => {
    const account = await signUp(server, 'owner@example.com', 'a long enough password');
    const kept = await post(account.accessToken, 'account zebra');
    expect((await put(account.accessToken, 'diary', 'account zebra diary')).status).toBe(201);
    const guest = await createGuest(server);
    const moved = await post(guest.accessToken, 'guest zebra');
    expect((await put(guest.accessToken, 'diary', 'guest zebra diary')).status).toBe(201);
    await caughtUp();

    const login = await passwordLogin(server, 'owner@example.com', 'a long enough password', guest.accessToken);
    expect(login.status).toBe(200);
    const merged = await json(login);
    expect(merged).toMatchObject({ identityId: account.identityId, mergedFrom: guest.identityId });

    const read = await asIdentity(server, merged.accessToken, `/v1/notes/${moved}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ headline: 'guest zebra', version: 1 });
    const diary = await asIdentity(server, merged.accessToken, '/v1/notes/diary');
    expect(await json(diary)).toMatchObject({ headline: 'account zebra diary', version: 1 });
    const list = await json(await asIdentity(server, merged.accessToken, '/v1/notes?limit=100'));
    const renamed = list.notes.find((note: { headline: string }) => note.headline === 'guest zebra diary');
    expect(renamed.noteId).toMatch(/^[0-9a-f-]{36}$/);
    await caughtUp();
    expect((await indexed(account.identityId, 'zebra')).sort()).toEqual([kept, moved, 'diary', renamed.noteId].sort());
    expect(await indexed(guest.identityId, 'zebra')).toEqual([]);

    // The guest's words went with its notes: the change stream keeps them under the account only, until it goes too.
    const wordsOf = async (ownerId: string) =>
      (await server.server.shoebox.database.db.selectFrom('stream_changes').selectAll().where('owner_id', '=', ownerId).execute())
        .map((row) => `${row.old_image} ${row.new_image}`)
        .join(' ');
    expect(await wordsOf(guest.identityId)).not.toMatch(/zebra/);
    expect((await asIdentity(server, merged.accessToken, '/v1/identities/me', { method: 'DELETE' })).status).toBe(204);
    expect(await wordsOf(account.identityId)).not.toMatch(/zebra/);
  });

  it('removes a deleted identity’s notes, from search too', async () => {
    const guest = await createGuest(server);
    const noteId = await post(guest.accessToken, 'ephemeral yak');
    await caughtUp();
    expect(await indexed(guest.identityId, 'yak')).toEqual([noteId]);

    expect((await asIdentity(server, guest.accessToken, '/v1/identities/me', { method: 'DELETE' })).status).toBe(204);
    await expectProblem(await asIdentity(server, guest.accessToken, `/v1/notes/${noteId}`), 401, 'identity_deleted');
    await caughtUp();
    expect(await indexed(guest.identityId, 'yak')).toEqual([]);
    const row = await server.server.shoebox.database.db
      .selectFrom('notes')
      .selectAll()
      .where('note_id', '=', noteId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ headline: '', text: '', deleted_at: expect.any(Number) });
  });

  it('lets no create racing its identity’s deletion or merge outlive it, whichever path it writes by', async () => {
    const db = server.server.shoebox.database.db;
    const writes = (token: string, round: number) =>
      Array.from({ length: 3 }, (_, i) => [
        asIdentity(server, token, '/v1/notes', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ headline: `racing ${i}`, text: '' }),
        }),
        put(token, `racing-${round}-${i}`, 'racing put'),
        asIdentity(server, token, '/v1/notes/batch', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ notes: [{ headline: `racing batch ${i}`, text: '' }] }),
        }),
      ]).flat();
    const liveNotesOf = async (ownerId: string) =>
      (await db.selectFrom('notes').select('note_id').where('owner_id', '=', ownerId).where('deleted_at', 'is', null).execute()).length;
    for (let round = 0; round < 8; round++) {
      const deleted = await createGuest(server);
      const merged = await createGuest(server);
      const account = `racing-${engine.name.replace(/\W+/g, '-')}-${round}@example.com`;
      await signUp(server, account, 'a long enough password');
      const racing = [...writes(deleted.accessToken, round), ...writes(merged.accessToken, round)];
      await new Promise((resolve) => setTimeout(resolve, round));
      const [gone, login] = await Promise.all([
        asIdentity(server, deleted.accessToken, '/v1/identities/me', { method: 'DELETE' }),
        passwordLogin(server, account, 'a long enough password', merged.accessToken),
      ]);
      expect([gone.status, login.status]).toEqual([204, 200]);
      for (const response of await Promise.all(racing)) expect([200, 201, 401, 403]).toContain(response.status);
      expect(await liveNotesOf(deleted.identityId)).toBe(0);
      expect(await liveNotesOf(merged.identityId)).toBe(0);
    }
  });

  it('refuses creates from a logged-out session, a disabled identity and a deleted one as the guard does, writing nothing', async () => {
    const loggedOut = await signUp(server, 'creates-logged-out@example.com', 'a long enough password');
    const disabled = await createGuest(server);
    const deleted = await createGuest(server);
    expect((await asIdentity(server, loggedOut.accessToken, '/v1/identities/logout', { method: 'POST' })).status).toBe(204);
    expect((await server.admin(`/admin/identities/${disabled.identityId}/disable`, { method: 'POST' })).status).toBe(200);
    expect((await asIdentity(server, deleted.accessToken, '/v1/identities/me', { method: 'DELETE' })).status).toBe(204);
    const db = server.server.shoebox.database.db;
    const rowsOf = async (ownerId: string) => [
      await db.selectFrom('notes').selectAll().where('owner_id', '=', ownerId).execute(),
      await db.selectFrom('stream_changes').selectAll().where('owner_id', '=', ownerId).execute(),
    ];
    for (const [caller, status, code] of [
      [loggedOut, 401, 'session_revoked'],
      [disabled, 403, 'identity_disabled'],
      [deleted, 401, 'identity_deleted'],
    ] as const) {
      const before = await rowsOf(caller.identityId);
      for (const body of [
        { headline: 'never', text: '' },
        { noteId: 'chosen', headline: 'never', text: '' },
      ]) {
        const response = await asIdentity(server, caller.accessToken, '/v1/notes', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${code}-${body.noteId ?? 'random'}` },
          body: JSON.stringify(body),
        });
        await expectProblem(response, status, code);
        const plain = await asIdentity(server, caller.accessToken, '/v1/notes', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await expectProblem(plain, status, code);
      }
      expect(await rowsOf(caller.identityId)).toEqual(before);
    }
  });

  it('leaves none of a deleted identity’s words in the change stream, dead-lettered changes included', async () => {
    const { database, retries } = server.server.shoebox;
    const words = /quixotic|zygomorph|xylophon|wombat/i;
    const guest = await createGuest(server);
    const send = (method: string, path: string, body?: object) =>
      asIdentity(server, guest.accessToken, path, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body && JSON.stringify(body),
      });
    const kept = await post(guest.accessToken, 'Quixotic plans');
    expect((await send('PATCH', `/v1/notes/${kept}`, { text: 'zygomorphic flowers' })).status).toBe(200);
    const removed = await post(guest.accessToken, 'Xylophone wombat');
    expect((await send('DELETE', `/v1/notes/${removed}`)).status).toBe(204);
    const changesOf = () =>
      database.db.selectFrom('stream_changes').selectAll().where('owner_id', '=', guest.identityId).orderBy('seq').execute();

    // A removal carries the note's ids and version, never its words.
    const removal = (await changesOf()).find((change) => change.op === 'REMOVE');
    expect(removal).toMatchObject({ entity_id: removed, new_image: null });
    expect(JSON.parse(removal?.old_image ?? '{}')).toMatchObject({ noteId: removed, headline: '', text: '', version: 1 });

    // A poison change parked for good: pruning keeps its row as long as the dead letter lives.
    const [first] = await changesOf();
    if (!first) throw new Error('the guest’s notes recorded no change');
    await retries.bury(database.db, 'search', toChange(first), 8, 'failed for the test');
    await caughtUp();

    expect((await send('DELETE', '/v1/identities/me')).status).toBe(204);
    await caughtUp();
    await server.server.shoebox.processor.prune(new Date(Date.now() + 365 * 86_400_000));
    const left = await changesOf();
    expect(left.map((row) => row.seq)).toContain(first.seq);
    for (const row of left) expect(`${row.old_image} ${row.new_image}`).not.toMatch(words);
    const dead = await database.db.selectFrom('stream_dead_letters').selectAll().where('seq', '=', first.seq).execute();
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead)).not.toMatch(words);
    expect(await indexed(guest.identityId, 'quixotic OR zygomorphic OR wombat')).toEqual([]);
  });
});
