import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';

/** Note ids belong to their identity: (owner, note id) names a note, so another identity's id is as good as unused. */
describe.each(engines)('note ids per identity ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    alice = await createGuest(server);
    bob = await createGuest(server);
  });
  afterAll(() => server.stop());

  const send = (who: Pair, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    asIdentity(server, who.accessToken, path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const expectStatus = async (response: Promise<Response>, status: number) => {
    const answer = await response;
    expect(answer.status).toBe(status);
    return answer.status === 204 || answer.status === 304 ? undefined : json(answer);
  };
  const caughtUp = () =>
    eventually(async () => {
      const [status] = await streamStatus(server.server.shoebox.database, ['search']);
      return status?.lagChanges === 0 && status.retrying === 0;
    });
  const found = async (who: Pair, q: string) =>
    (await expectStatus(send(who, 'GET', `/v1/search?q=${encodeURIComponent(q)}`), 200)).hits.map(
      (hit: { noteId: string; headline: string }) => [hit.noteId, hit.headline],
    );
  const listed = async (who: Pair) =>
    (await expectStatus(send(who, 'GET', '/v1/notes?limit=100'), 200)).notes.map((n: { noteId: string; headline: string }) => [
      n.noteId,
      n.headline,
    ]);

  it('lets two identities write, read, list, search and delete notes under the same id, each its own', async () => {
    const id = `shared-${randomUUID()}`;
    expect(await expectStatus(send(alice, 'PUT', `/v1/notes/${id}`, { headline: 'Alice apricot', text: 'a' }), 201)).toMatchObject({
      version: 1,
    });
    expect(
      await expectStatus(send(bob, 'POST', '/v1/notes', { noteId: id, headline: 'Bob blueberry', text: 'b', visibility: 'public' }), 201),
    ).toMatchObject({ noteId: id, version: 1 });

    await expectStatus(send(bob, 'PUT', `/v1/notes/${id}`, { headline: 'Bob blueberry', text: 'b2' }, { 'if-match': '"v1"' }), 200);
    expect(await expectStatus(send(alice, 'PATCH', `/v1/notes/${id}`, { text: 'a2' }, { 'if-match': '"v1"' }), 200)).toMatchObject({
      headline: 'Alice apricot',
      text: 'a2',
      version: 2,
    });
    expect(await expectStatus(send(alice, 'GET', `/v1/notes/${id}`), 200)).toMatchObject({ headline: 'Alice apricot', version: 2 });
    expect(await expectStatus(send(bob, 'GET', `/v1/notes/${id}`), 200)).toMatchObject({
      headline: 'Bob blueberry',
      text: 'b2',
      visibility: 'private',
      version: 2,
    });
    expect(await listed(alice)).toContainEqual([id, 'Alice apricot']);
    expect(await listed(bob)).toContainEqual([id, 'Bob blueberry']);

    await caughtUp();
    expect(await found(alice, 'apricot OR blueberry')).toEqual([[id, 'Alice apricot']]);
    expect(await found(bob, 'apricot OR blueberry')).toEqual([[id, 'Bob blueberry']]);

    await expectStatus(send(alice, 'DELETE', `/v1/notes/${id}`), 204);
    await expectStatus(send(alice, 'GET', `/v1/notes/${id}`), 404);
    expect(await expectStatus(send(bob, 'GET', `/v1/notes/${id}`), 200)).toMatchObject({ headline: 'Bob blueberry', version: 2 });
    await caughtUp();
    expect(await found(alice, 'apricot OR blueberry')).toEqual([]);
    expect(await found(bob, 'apricot OR blueberry')).toEqual([[id, 'Bob blueberry']]);
  });

  it("answers another identity's note id exactly as an id nobody uses, creates included", async () => {
    const held = `held-${randomUUID()}`;
    await expectStatus(send(alice, 'PUT', `/v1/notes/${held}`, { headline: 'Secret', text: 'Only mine' }), 201);
    const unused = `unused-${randomUUID()}`;
    const answers = async (id: string) => {
      const shapes: unknown[] = [];
      const shape = async (response: Promise<Response>) => {
        const answer = await response;
        const body = answer.status === 204 ? null : await json(answer);
        const { instance, createdAt, updatedAt, ...rest } = body ?? {};
        shapes.push({ status: answer.status, etag: answer.headers.get('etag'), body: JSON.stringify(rest).replaceAll(id, '<id>') });
      };
      await shape(send(bob, 'GET', `/v1/notes/${id}`));
      await shape(send(bob, 'PATCH', `/v1/notes/${id}`, { text: 'x' }));
      await shape(send(bob, 'DELETE', `/v1/notes/${id}`));
      await shape(send(bob, 'PUT', `/v1/notes/${id}`, { headline: 'Bob', text: 'x' }, { 'if-match': '*' }));
      await shape(send(bob, 'POST', '/v1/notes', { noteId: id, headline: 'Bob', text: 'x' }));
      await shape(send(bob, 'POST', '/v1/notes', { noteId: id, headline: 'Bob', text: 'x' }));
      await shape(send(bob, 'PUT', `/v1/notes/${id}`, { headline: 'Bob again', text: 'y' }));
      await shape(send(bob, 'DELETE', `/v1/notes/${id}`));
      return shapes;
    };
    const heldAnswers = await answers(held);
    expect(heldAnswers).toEqual(await answers(unused));
    expect(heldAnswers.map((a) => (a as { status: number }).status)).toEqual([404, 404, 404, 412, 201, 409, 200, 204]);
    expect(await expectStatus(send(alice, 'GET', `/v1/notes/${held}`), 200)).toMatchObject({ text: 'Only mine', version: 1 });
  });

  it('lets anyone use a deleted note’s id, and its owner go on after the deleted version', async () => {
    const id = `gone-${randomUUID()}`;
    await expectStatus(send(alice, 'PUT', `/v1/notes/${id}`, { headline: 'first', text: '' }), 201);
    await expectStatus(send(alice, 'DELETE', `/v1/notes/${id}`), 204);
    expect(await expectStatus(send(bob, 'PUT', `/v1/notes/${id}`, { headline: 'bob’s', text: '' }), 201)).toMatchObject({ version: 1 });
    expect(await expectStatus(send(alice, 'POST', '/v1/notes', { noteId: id, headline: 'again', text: '' }), 201)).toMatchObject({
      version: 3,
    });
    expect(await expectStatus(send(bob, 'GET', `/v1/notes/${id}`), 200)).toMatchObject({ headline: 'bob’s', version: 1 });
  });
});
