import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { expectRefusedUnchanged, notesSnapshot } from '../testing/notes.js';
import { resolved } from '../testing/openapi.js';
import { eventually } from '../testing/shoebox.js';

const note = (extra: object = {}) => ({ headline: 'A headline', text: 'Some text', ...extra });
const BATCH_BODY_LIMIT = 64 * 1024;

describe.each(engines)('POST /v1/notes/batch ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_NOTE_BATCH_BODY_LIMIT_BYTES: String(BATCH_BODY_LIMIT) } });
    alice = await createGuest(server);
    bob = await createGuest(server);
  });
  afterAll(() => server.stop());

  const batch = (who: Pair, body: unknown, apiKey = server.apiKey) =>
    asIdentity(server, who.accessToken, '/v1/notes/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const results = async (response: Promise<Response>) => {
    const answer = await response;
    expect(answer.status).toBe(200);
    return (await json(answer)).results;
  };
  const snapshot = () => notesSnapshot(server);
  const refused = (request: () => Promise<Response>, status: number, code: string) => expectRefusedUnchanged(server, request, status, code);
  const changesOf = async (ownerId: string, noteId: string) =>
    server.server.shoebox.database.db
      .selectFrom('stream_changes')
      .select(['op', 'version', 'new_image'])
      .where('owner_id', '=', ownerId)
      .where('entity_id', '=', noteId)
      .execute();
  const photoOf = async (who: Pair): Promise<string> => {
    const response = await asIdentity(server, who.accessToken, '/v1/photos', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contentType: 'image/jpeg', contentLength: 100 }),
    });
    expect(response.status).toBe(201);
    return (await json(response)).photoId;
  };

  it('answers each note in order: good ones written with their changes, bad ones alone refused', async () => {
    const [mine, bobs] = [await photoOf(alice), await photoOf(bob)];
    const taken = `taken-${randomUUID()}`;
    expect((await results(batch(alice, { notes: [note({ noteId: taken })] })))[0]).toMatchObject({ outcome: 'created' });
    const ids = [randomUUID(), randomUUID(), randomUUID()] as const;
    const answer = await results(
      batch(alice, {
        notes: [
          note({ noteId: ids[0], headline: '  Mixed batch first  ', photoIds: [mine] }),
          note({ headline: '' }),
          note({ noteId: ids[1], photoIds: [bobs] }),
          note({ noteId: taken, text: 'other words' }),
          { headline: 'Unknown field', text: 'x', colour: 'red' },
          note({ noteId: ids[2], headline: 'Mixed batch last', visibility: 'public' }),
          note({ headline: 'Mixed batch server id' }),
        ],
      }),
    );
    expect(answer.map((r: { outcome: string; status: number }) => [r.outcome, r.status])).toEqual([
      ['created', 201],
      ['failed', 400],
      ['failed', 400],
      ['failed', 409],
      ['failed', 400],
      ['created', 201],
      ['created', 201],
    ]);
    expect(answer[0]).toMatchObject({
      etag: '"v1"',
      note: { noteId: ids[0], headline: 'Mixed batch first', photoIds: [mine], visibility: 'private', version: 1 },
    });
    expect(answer[1].problem).toMatchObject({ code: 'validation_failed', detail: expect.stringMatching(/^notes\[1\]\.headline /) });
    expect(answer[2].problem).toMatchObject({ code: 'validation_failed', detail: expect.stringContaining(bobs) });
    expect(answer[3].problem).toMatchObject({ code: 'note_id_taken', type: 'urn:shoebox:problem:note_id_taken' });
    expect(answer[4].problem).toMatchObject({ code: 'validation_failed', detail: expect.stringMatching(/^notes\[4\]\.colour /) });
    expect(answer[6].note.noteId).toMatch(/^[0-9a-f-]{36}$/);

    // Each created note is written with its INSERT change as a single create writes it; refused ones leave nothing.
    expect(await changesOf(alice.identityId, ids[0])).toEqual([
      { op: 'INSERT', version: 1, new_image: expect.stringContaining('"headline":"Mixed batch first"') },
    ]);
    expect(await changesOf(alice.identityId, ids[1])).toEqual([]);
    expect(await changesOf(alice.identityId, taken)).toHaveLength(1);
    const read = await asIdentity(server, alice.accessToken, `/v1/notes/${ids[2]}`);
    expect(read.headers.get('etag')).toBe('"v1"');
    expect(await json(read)).toEqual(answer[5].note);
    expect((await asIdentity(server, alice.accessToken, `/v1/notes/${ids[1]}`)).status).toBe(404);
    expect((await asIdentity(server, alice.accessToken, `/v1/notes/${taken}`).then(json)).text).toBe('Some text');
  });

  it('makes every created note searchable', async () => {
    const word = `batchword${randomUUID().slice(0, 8)}`;
    const sent = Array.from({ length: 40 }, (_, i) => note({ headline: `${word} ${i}`, text: `number ${i}` }));
    const created = (await results(batch(bob, { notes: sent }))).map((r: { note: { noteId: string } }) => r.note.noteId);
    await eventually(async () => {
      const [status] = await streamStatus(server.server.shoebox.database, ['search']);
      return status?.lagChanges === 0 && status.retrying === 0;
    });
    const found: string[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = await json(
        await asIdentity(server, bob.accessToken, `/v1/search?q=${word}&limit=50${cursor ? `&cursor=${cursor}` : ''}`),
      );
      found.push(...page.hits.map((hit: { noteId: string }) => hit.noteId));
      cursor = page.nextCursor;
    }
    expect(found.sort()).toEqual([...created].sort());
  });

  it('replays a batch sent again: same answers for notes with ids, nothing written', async () => {
    const sent = { notes: [note({ noteId: randomUUID(), headline: 'Replay one' }), note({ noteId: randomUUID(), photoIds: [] })] };
    const first = await results(batch(alice, sent));
    const before = await snapshot();
    const again = await results(batch(alice, sent));
    expect(await snapshot()).toEqual(before);
    expect(again).toEqual(first.map((r: object) => ({ ...r, outcome: 'replayed', status: 200 })));
    // The same id twice in one batch: a retry when the content is the same, a conflict otherwise.
    const id = randomUUID();
    const twice = await results(batch(alice, { notes: [note({ noteId: id }), note({ noteId: id }), note({ noteId: id, text: 'no' })] }));
    expect(twice.map((r: { outcome: string }) => r.outcome)).toEqual(['created', 'replayed', 'failed']);
  });

  it('keeps ids per identity: another identity’s id is free, its notes untouched', async () => {
    const id = randomUUID();
    await results(batch(alice, { notes: [note({ noteId: id, headline: 'Alice' })] }));
    const [bobs] = await results(batch(bob, { notes: [note({ noteId: id, headline: 'Alice' })] }));
    expect(bobs).toMatchObject({ outcome: 'created', note: { noteId: id } });
    expect(await changesOf(alice.identityId, id)).toHaveLength(1);
  });

  it.each([
    {
      name: 'more than 100 notes',
      body: () => ({ notes: Array.from({ length: 101 }, () => note()) }),
      status: 400,
      code: 'validation_failed',
    },
    { name: 'no notes', body: () => ({ notes: [] }), status: 400, code: 'validation_failed' },
    { name: 'notes that are not a list', body: () => ({ notes: note() }), status: 400, code: 'validation_failed' },
    { name: 'a note that is not an object', body: () => ({ notes: [note(), 'text'] }), status: 400, code: 'validation_failed' },
    { name: 'an unknown envelope field', body: () => ({ notes: [note()], atomic: true }), status: 400, code: 'validation_failed' },
    { name: 'a bare list', body: () => [note()], status: 400, code: 'validation_failed' },
    { name: 'broken JSON', body: () => '{"notes": [', status: 400, code: 'malformed_body' },
    {
      name: 'a body over the batch limit',
      body: () => ({ notes: Array.from({ length: 5 }, () => note({ text: 'x'.repeat(15_000) })) }),
      status: 413,
      code: 'payload_too_large',
    },
  ])('refuses $name whole with $status, writing nothing', async ({ body, status, code }) => {
    const problem = await refused(() => batch(alice, body()), status, code);
    if (status === 413) {
      expect(problem).toMatchObject({ maxBytes: BATCH_BODY_LIMIT, detail: expect.stringContaining('smaller batches') });
    }
  });

  it('counts a batch of n as n requests against the usage plan, refusing whole what the plan cannot take', async () => {
    const createKey = async (plan: object) => {
      const response = await server.admin('/admin/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'batch', ...plan }),
      });
      return (await json(response)).key as string;
    };
    const notes = (n: number) => ({ notes: Array.from({ length: n }, (_, i) => note({ headline: `Counted ${i}` })) });

    const bursty = await createKey({ rateLimit: { rate: 0.01, burst: 5 } });
    const tooMany = await refused(() => batch(alice, notes(6), bursty), 413, 'payload_too_large');
    expect(tooMany).toMatchObject({ maxNotes: 5 });
    // The refused batch counted as one request: four tokens left, so two notes pass and three do not.
    expect(await results(batch(alice, notes(2), bursty))).toHaveLength(2);
    const limited = await refused(() => batch(alice, notes(3), bursty), 429, 'rate_limited');
    expect(limited.detail).toMatch(/^A batch of 3 notes counts as 3 requests/);

    const metered = await createKey({ rateLimit: { rate: 1000, burst: 1000 }, quota: { limit: 8, period: 'day' } });
    expect(await results(batch(alice, notes(5), metered))).toHaveLength(5);
    const over = await refused(() => batch(alice, notes(4), metered), 429, 'quota_exceeded');
    expect(over.detail).toContain('has 2 left');
    expect(await results(batch(alice, notes(2), metered))).toHaveLength(2);
    await refused(() => batch(alice, notes(1), metered), 429, 'quota_exceeded');
  });

  it('is described in the OpenAPI document', async () => {
    const document = await json(await fetch(`${server.url}/openapi.json`));
    const operation = document.paths['/v1/notes/batch'].post;
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '429']));
    const body = resolved(document, operation.requestBody.content['application/json'].schema);
    expect(body.properties.notes).toMatchObject({ maxItems: 100 });
    expect(resolved(document, body.properties.notes.items).properties).toHaveProperty('noteId');
  });
});
