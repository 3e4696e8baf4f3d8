import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../search/query.js';
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
  const caughtUp = () => eventually(async () => (await streamStatus(server.server.shoebox.database, ['search']))[0]?.lagChanges === 0);
  const indexed = async (ownerId: string, q: string) =>
    (await server.server.shoebox.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId }, { limit: 10 })).hits.map((h) => h.noteId);

  it('moves a guest’s notes to the account it logs into, and search follows', async () => {
    const account = await signUp(server, 'owner@example.com', 'a long enough password');
    const kept = await post(account.accessToken, 'account zebra');
    const guest = await createGuest(server);
    const moved = await post(guest.accessToken, 'guest zebra');
    await caughtUp();

    const login = await passwordLogin(server, 'owner@example.com', 'a long enough password', guest.accessToken);
    expect(login.status).toBe(200);
    const merged = await json(login);
    expect(merged).toMatchObject({ identityId: account.identityId, mergedFrom: guest.identityId });

    const read = await asIdentity(server, merged.accessToken, `/v1/notes/${moved}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ headline: 'guest zebra', version: 2 });
    await caughtUp();
    expect((await indexed(account.identityId, 'zebra')).sort()).toEqual([kept, moved].sort());
    expect(await indexed(guest.identityId, 'zebra')).toEqual([]);
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
});
