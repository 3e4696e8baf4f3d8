import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../testing/clock.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, type Pair, ROOMY_PLAN, refresh } from '../testing/identity.js';
import { expectRefusedUnchanged } from '../testing/notes.js';
import { resolved } from '../testing/openapi.js';

const note = (extra: object = {}) => ({ headline: 'A headline', text: 'Some text', ...extra });

describe.each(engines)('notes API ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  /** Photos of alice's: notes may name only their owner's photos. */
  let alicePhotos: string[];
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    alice = await createGuest(server);
    bob = await createGuest(server);
    alicePhotos = [];
    for (let i = 0; i < 10; i++) alicePhotos.push(await photoOf(alice));
  });
  afterAll(() => server.stop());

  const send = (who: Pair, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    asIdentity(server, who.accessToken, path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** A (pending) photo of `who`'s, to name in notes. */
  const photoOf = async (who: Pair): Promise<string> => {
    const response = await send(who, 'POST', '/v1/photos', { contentType: 'image/jpeg', contentLength: 100 });
    expect(response.status).toBe(201);
    return (await json(response)).photoId;
  };
  const create = async (who: Pair, body: object = note()) => {
    const response = await send(who, 'POST', '/v1/notes', body);
    expect(response.status).toBe(201);
    return json(response);
  };
  const refused = (request: () => Promise<Response>, status: number, code: string) => expectRefusedUnchanged(server, request, status, code);

  it('creates a note: 201 with the note, its ETag and Location', async () => {
    const response = await send(
      alice,
      'POST',
      '/v1/notes',
      note({ headline: '  Trimmed  ', photoIds: alicePhotos.slice(0, 2), visibility: 'public' }),
    );
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toEqual({
      noteId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      headline: 'Trimmed',
      text: 'Some text',
      photoIds: alicePhotos.slice(0, 2),
      visibility: 'public',
      version: 1,
      createdAt: expect.any(String),
      updatedAt: body.createdAt,
    });
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(response.headers.get('location')).toBe(`/v1/notes/${body.noteId}`);
  });

  it('accepts the reference model body {noteId, headline, text} as it is', async () => {
    const noteId = randomUUID();
    expect(await create(alice, { noteId, headline: 'Reference', text: 'model' })).toMatchObject({
      noteId,
      visibility: 'private',
      photoIds: [],
    });
  });

  it('answers a retried POST with the same Idempotency-Key with the first answer, and a reused key with 422', async () => {
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    const first = await send(alice, 'POST', '/v1/notes', note({ headline: 'Once' }), headers);
    expect(first.status).toBe(201);
    const created = await json(first);
    const retry = await send(alice, 'POST', '/v1/notes', note({ headline: 'Once' }), headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(retry)).toEqual(created);
    const list = await json(await send(alice, 'GET', '/v1/notes?limit=100'));
    expect(list.notes.filter((n: { headline: string }) => n.headline === 'Once')).toHaveLength(1);
    await refused(() => send(alice, 'POST', '/v1/notes', note({ headline: 'Other' }), headers), 422, 'idempotency_key_reused');
    // The key is Alice's: the same key from Bob creates Bob's own note.
    expect((await send(bob, 'POST', '/v1/notes', note({ headline: 'Once' }), headers)).status).toBe(201);
  });

  const long = (n: number, c = 'x') => c.repeat(n);
  it.each([
    { name: 'a missing headline', body: { text: 't' } },
    { name: 'an empty headline', body: note({ headline: '' }) },
    { name: 'a blank headline', body: note({ headline: '   ' }) },
    { name: 'a headline of 201 characters', body: note({ headline: long(201) }) },
    { name: 'a headline over two lines', body: note({ headline: 'one\ntwo' }) },
    { name: 'a headline that is a number', body: note({ headline: 5 }) },
    { name: 'a missing text', body: { headline: 'h' } },
    { name: 'a text of 20,001 characters', body: note({ text: long(20_001) }) },
    { name: 'a control character in the text', body: note({ text: 'bell\u0007' }) },
    { name: 'a noteId with a slash', body: note({ noteId: 'a/b' }) },
    { name: 'a noteId of 65 characters', body: note({ noteId: long(65) }) },
    { name: 'an empty noteId', body: note({ noteId: '' }) },
    { name: '11 photo ids', body: note({ photoIds: Array.from({ length: 11 }, (_, i) => `p${i}`) }) },
    { name: 'a repeated photo id', body: note({ photoIds: ['p1', 'p1'] }) },
    { name: 'a malformed photo id', body: note({ photoIds: ['has space'] }) },
    { name: 'an unknown visibility', body: note({ visibility: 'friends' }) },
    { name: 'an unknown field', body: note({ owner: 'someone-else' }) },
    { name: 'an array body', body: [note()] },
  ])('refuses $name with 400 validation_failed, changing nothing', async ({ body }) => {
    await refused(() => send(alice, 'POST', '/v1/notes', body), 400, 'validation_failed');
  });

  it.each([
    { name: 'a body that is not JSON', body: '{"headline":', headers: {}, status: 400, code: 'malformed_body' },
    { name: 'a text/plain body', body: 'hello', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
    {
      name: 'an Idempotency-Key of 256 characters',
      body: note(),
      headers: { 'idempotency-key': long(256) },
      status: 400,
      code: 'validation_failed',
    },
  ])('refuses $name with $status $code, changing nothing', async ({ body, headers, status, code }) => {
    await refused(() => send(alice, 'POST', '/v1/notes', body, headers as Record<string, string>), status, code);
  });

  it.each([
    { name: 'a headline of 200 characters', body: note({ headline: long(200) }) },
    { name: 'a headline of 200 emoji (characters, not UTF-16 units)', body: note({ headline: long(200, '📷') }) },
    { name: 'a text of 20,000 characters with tabs and line breaks', body: note({ text: `${long(19_997)}\t\r\n` }) },
    { name: 'an empty text', body: note({ text: '' }) },
    { name: 'a noteId of 64 characters', body: note({ noteId: long(64, 'n') }) },
    { name: '10 photo ids', body: note(), photos: 10 },
  ])('accepts $name', async ({ body, photos }) => {
    await create(alice, photos ? { ...body, photoIds: alicePhotos.slice(0, photos) } : body);
  });

  it('reads a note with its ETag, and answers 304 to a matching If-None-Match', async () => {
    const { noteId } = await create(alice);
    const read = await send(alice, 'GET', `/v1/notes/${noteId}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ noteId, version: 1 });
    const etag = read.headers.get('etag') ?? '';
    const unchanged = await send(alice, 'GET', `/v1/notes/${noteId}`, undefined, { 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    expect((await send(alice, 'GET', `/v1/notes/${noteId}`, undefined, { 'if-none-match': '"v9"' })).status).toBe(200);
    await expectProblem(await send(alice, 'GET', '/v1/notes/not%20an%20id'), 400, 'validation_failed');
  });

  it('creates with PUT (201), replaces with PUT (200), and applies If-Match and If-None-Match', async () => {
    const noteId = `put-${randomUUID()}`;
    const created = await send(alice, 'PUT', `/v1/notes/${noteId}`, note({ photoIds: [alicePhotos[0]] }));
    expect(created.status).toBe(201);
    const replaced = await send(alice, 'PUT', `/v1/notes/${noteId}`, { noteId, headline: 'Replaced', text: 'new' }, { 'if-match': '"v1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('etag')).toBe('"v2"');
    expect(await json(replaced)).toMatchObject({ headline: 'Replaced', photoIds: [], version: 2 });
    const stale = await refused(
      () => send(alice, 'PUT', `/v1/notes/${noteId}`, note(), { 'if-match': '"v1"' }),
      412,
      'precondition_failed',
    );
    expect(stale.currentVersion).toBe(2);
    await refused(() => send(alice, 'PUT', `/v1/notes/${noteId}`, note(), { 'if-none-match': '*' }), 412, 'precondition_failed');
    await refused(() => send(alice, 'PUT', `/v1/notes/${noteId}`, note({ noteId: 'another-id' })), 400, 'validation_failed');
    await refused(() => send(alice, 'PUT', `/v1/notes/${randomUUID()}`, note(), { 'if-match': '*' }), 412, 'precondition_failed');
    expect((await send(alice, 'PUT', `/v1/notes/${randomUUID()}`, note(), { 'if-none-match': '*' })).status).toBe(201);
  });

  it('changes only the given fields with PATCH', async () => {
    const { noteId } = await create(alice, note({ photoIds: [alicePhotos[0]] }));
    const patched = await send(alice, 'PATCH', `/v1/notes/${noteId}`, { visibility: 'public' }, { 'if-match': '"v1"' });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"v2"');
    expect(await json(patched)).toMatchObject({
      headline: 'A headline',
      text: 'Some text',
      photoIds: [alicePhotos[0]],
      visibility: 'public',
      version: 2,
    });
    await refused(() => send(alice, 'PATCH', `/v1/notes/${noteId}`, {}), 400, 'validation_failed');
    await refused(() => send(alice, 'PATCH', `/v1/notes/${noteId}`, { headline: '' }), 400, 'validation_failed');
    await refused(() => send(alice, 'PATCH', `/v1/notes/${noteId}`, { text: 'x' }, { 'if-match': '"v1"' }), 412, 'precondition_failed');
  });

  it('names in a 412 the ETag to send, since If-Match takes the ETag and not the version number', async () => {
    const { noteId } = await create(alice);
    for (const ifMatch of ['"1"', '1', '"v2"']) {
      const problem = await refused(
        () => send(alice, 'PATCH', `/v1/notes/${noteId}`, { text: 'x' }, { 'if-match': ifMatch }),
        412,
        'precondition_failed',
      );
      expect(problem).toMatchObject({ currentVersion: 1, currentEtag: '"v1"' });
      expect(problem.detail).toContain('If-Match: "v1"');
    }
    const retried = await send(alice, 'PATCH', `/v1/notes/${noteId}`, { text: 'x' }, { 'if-match': '"v1"' });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('etag')).toBe('"v2"');
  });

  it('deletes with DELETE (204), after which the note is gone', async () => {
    const { noteId } = await create(alice);
    await refused(() => send(alice, 'DELETE', `/v1/notes/${noteId}`, undefined, { 'if-match': '"v7"' }), 412, 'precondition_failed');
    const deleted = await send(alice, 'DELETE', `/v1/notes/${noteId}`, undefined, { 'if-match': '"v1"' });
    expect(deleted.status).toBe(204);
    await expectProblem(await send(alice, 'GET', `/v1/notes/${noteId}`), 404, 'not_found');
    await refused(() => send(alice, 'DELETE', `/v1/notes/${noteId}`), 404, 'not_found');
  });

  it("treats another identity's note exactly like a missing one", async () => {
    const { noteId } = await create(alice, note({ headline: 'Secret', text: 'Only mine' }));
    const missing = randomUUID();
    const answers = async (id: string) => {
      const problems = [
        await refused(() => send(bob, 'GET', `/v1/notes/${id}`), 404, 'not_found'),
        await refused(() => send(bob, 'PATCH', `/v1/notes/${id}`, { text: 'mine now' }), 404, 'not_found'),
        await refused(() => send(bob, 'DELETE', `/v1/notes/${id}`), 404, 'not_found'),
        await refused(() => send(bob, 'PUT', `/v1/notes/${id}`, note(), { 'if-match': '*' }), 412, 'precondition_failed'),
      ];
      return problems.map(({ instance, ...rest }) => JSON.stringify(rest).replaceAll(id, '<id>'));
    };
    expect(await answers(noteId)).toEqual(await answers(missing));
    const bobs = await json(await send(bob, 'GET', '/v1/notes?limit=100'));
    expect(bobs.notes.map((n: { noteId: string }) => n.noteId)).not.toContain(noteId);
    expect((await json(await send(alice, 'GET', `/v1/notes/${noteId}`))).text).toBe('Only mine');
  });

  it('lists newest first in pages, filtered by photo', async () => {
    const carol = await createGuest(server);
    const photo = await photoOf(carol);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(carol, note({ headline: `n${i}`, photoIds: i % 2 ? [photo] : [] }))).noteId);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: Response = await send(carol, 'GET', `/v1/notes?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = await json(response);
      expect(page.notes.length).toBeLessThanOrEqual(2);
      seen.push(...page.notes.map((n: { noteId: string }) => n.noteId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const withPhoto = await json(await send(carol, 'GET', `/v1/notes?photoId=${photo}`));
    expect(withPhoto.notes.map((n: { noteId: string }) => n.noteId)).toEqual([ids[3], ids[1]]);
  });

  it.each([
    { query: 'limit=0' },
    { query: 'limit=101' },
    { query: 'limit=ten' },
    { query: 'cursor=not-a-cursor' },
    { query: 'photoId=a%20b' },
    { query: 'sort=oldest' },
  ])('refuses a list with $query', async ({ query }) => {
    await expectProblem(await send(alice, 'GET', `/v1/notes?${query}`), 400, 'validation_failed');
  });

  it('needs both the API key and an identity access token', async () => {
    await refused(
      () => server.v1('/v1/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(note()) }),
      401,
      'access_token_missing',
    );
    await refused(
      () =>
        fetch(`${server.url}/v1/notes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(note()),
        }),
      401,
      'api_key_missing',
    );
    await expectProblem(await server.v1('/v1/notes', { headers: { authorization: 'Bearer not-a-token' } }), 401, 'access_token_malformed');
  });
});

describe('configured note bounds', () => {
  let server: TestServer;
  let guest: Pair;
  beforeAll(async () => {
    server = await startTestServer({ env: { ...ROOMY_PLAN, SHOEBOX_NOTE_HEADLINE_MAX: '10', SHOEBOX_NOTE_TEXT_MAX: '50' } });
    guest = await createGuest(server);
  });
  afterAll(() => server.stop());

  it('enforces them and states them in the OpenAPI document', async () => {
    const post = (body: object) =>
      asIdentity(server, guest.accessToken, '/v1/notes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ headline: 'x'.repeat(10), text: 'y'.repeat(50) })).status).toBe(201);
    await expectProblem(await post({ headline: 'x'.repeat(11), text: '' }), 400, 'validation_failed');
    await expectProblem(await post({ headline: 'x', text: 'y'.repeat(51) }), 400, 'validation_failed');
    const doc = await json(await fetch(`${server.url}/openapi.json`));
    const schema = resolved(doc, doc.paths['/v1/notes'].post.requestBody.content['application/json'].schema);
    expect(schema.properties.headline).toMatchObject({ minLength: 1, maxLength: 10 });
    expect(schema.properties.text).toMatchObject({ maxLength: 50 });
    expect(schema.properties.photoIds).toMatchObject({ maxItems: 10 });
    const responses = Object.keys(doc.paths['/v1/notes/{noteId}'].put.responses);
    expect(responses).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '409', '412', '429']));
  });
});

describe.each(engines)('the lifetime of an Idempotency-Key ($name)', (engine) => {
  let server: TestServer;
  const clock = new TestClock();
  beforeAll(async () => {
    server = await startTestServer({ engine, clock, env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  it('replays the first answer for 24 hours, then forgets the key: the same request creates again', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': `key-${randomUUID()}` };
    let alice = await createGuest(server);
    const post = () => asIdentity(server, alice.accessToken, '/v1/notes', { method: 'POST', headers, body: JSON.stringify(note()) });
    /** Access tokens live less than the hours the clock moves: the same identity gets a new one. */
    const later = async (ms: number) => {
      clock.advance(ms);
      alice = await json(await refresh(server, alice.refreshToken));
    };
    const first = await post();
    expect(first.status).toBe(201);
    const { noteId } = await json(first);

    await later(23 * 3_600_000);
    const replayed = await post();
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(replayed)).noteId).toBe(noteId);

    await later(2 * 3_600_000);
    const again = await post();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect((await json(again)).noteId).not.toBe(noteId);
  });
});
