import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../server/src/testing/harness.js';
import { ROOMY_PLAN } from '../../server/src/testing/identity.js';
import { eventually } from '../../server/src/testing/shoebox.js';
import { ConflictError, type Note, type Page, ShoeboxError } from './index.js';
import { clientOf, recordingFetch } from './testing/clients.js';

const all = async <T>(pages: AsyncIterable<Page<T>>) => {
  const items: T[][] = [];
  for await (const page of pages) items.push([...page.items]);
  return items;
};

describe.each(engines)('notes and search through the client (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  it('creates with an id of its own, reads, replaces, updates, lists in pages and deletes', async () => {
    const sb = clientOf(server);
    const created = await sb.notes.create({ headline: 'Groceries', text: 'milk, eggs' });
    expect(created.noteId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sb.notes.get(created.noteId)).toEqual(created);
    const replaced = await sb.notes.put(created.noteId, { headline: 'Groceries', text: 'milk, eggs, bread' });
    expect(replaced.version).toBe(2);
    const updated = await sb.notes.update(created.noteId, { text: 'bread' }, { ifMatch: replaced.version });
    expect(updated).toMatchObject({ text: 'bread', version: 3 });
    await sb.notes.create({ headline: 'Second', text: 'b' });
    await sb.notes.create({ headline: 'Third', text: 'c' });
    const first = await sb.notes.list({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect((await first.next())?.items).toHaveLength(1);
    expect((await all(sb.notes.list({ limit: 2 }))).map((page) => page.length)).toEqual([2, 1]);
    await sb.notes.delete(created.noteId);
    const missing = await sb.notes.get(created.noteId).catch((error) => error);
    expect(missing).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('answers a retried create with the first note, not a second one', async () => {
    let drop = true;
    const { fetch, count } = recordingFetch(async (request, send) => {
      const response = await send();
      if (request === 'POST /v1/notes' && drop) {
        drop = false;
        throw new TypeError('fetch failed');
      }
      return response;
    });
    const sb = clientOf(server, { fetch });
    const note = await sb.notes.create({ headline: 'Once', text: 'only' });
    expect(count('POST /v1/notes')).toBe(2);
    expect((await sb.notes.list()).items.map((item) => item.noteId)).toEqual([note.noteId]);
  });

  it('refuses an update made to an older version with a ConflictError carrying the current note', async () => {
    const sb = clientOf(server);
    const note = await sb.notes.create({ headline: 'Shared', text: 'v1' });
    const changed = await sb.notes.update(note.noteId, { text: 'changed elsewhere' });
    const conflict = await sb.notes.update(note.noteId, { text: 'my change' }, { ifMatch: note.version }).catch((error) => error);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict).toMatchObject({ code: 'precondition_failed', status: 412 });
    expect((conflict as ConflictError<Note>).current).toEqual(changed);
    expect((await sb.notes.get(note.noteId)).text).toBe('changed elsewhere');
  });

  it('searches with highlights and pages, and suggests', async () => {
    const sb = clientOf(server);
    for (const n of [1, 2, 3]) await sb.notes.create({ headline: `Harbour walk ${n}`, text: 'We watched the sailboats in the harbour' });
    const first = await eventually(async () => {
      const page = await sb.search('harbour', { limit: 2 });
      return page.items.length === 2 && page.nextCursor !== null && page;
    });
    expect(first.items[0]?.highlights.headline).toContain('<mark>Harbour</mark>');
    expect((await first.next())?.items).toHaveLength(1);
    expect((await all(sb.search('harbour', { limit: 2 }))).flat()).toHaveLength(3);
    expect(await sb.suggest('sailb')).toContainEqual({ kind: 'term', value: 'sailboats' });
    const invalid = await sb
      .search('')
      .first()
      .catch((error) => error);
    expect(invalid).toBeInstanceOf(ShoeboxError);
    expect(invalid).toMatchObject({ code: 'validation_failed', status: 400 });
  });
});

describe('the client under a usage plan', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { SHOEBOX_DEFAULT_RATE: '2', SHOEBOX_DEFAULT_BURST: '3' } });
  });
  afterAll(() => server.stop());

  it('waits out a 429 for as long as Retry-After says, then succeeds', async () => {
    const { fetch, requests } = recordingFetch();
    const sb = clientOf(server, { fetch });
    const notes = await Promise.all(Array.from({ length: 6 }, (_, i) => sb.notes.create({ headline: `Note ${i}`, text: '' })));
    expect(notes).toHaveLength(6);
    expect(requests.some((entry) => entry.status === 429)).toBe(true);
  });

  it('gives up at once with the wait in the error when Retry-After is longer than it may wait', async () => {
    const sb = clientOf(server, { retry: { maxRetryAfterSeconds: 0 } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => sb.auth.ensureIdentity().then(() => sb.notes.list().first())));
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toBeInstanceOf(ShoeboxError);
    expect(refused[0]).toMatchObject({ code: 'rate_limited', status: 429, retryAfter: expect.any(Number) });
    expect(refused[0].retryAfter).toBeGreaterThan(0);
    expect(refused[0].requestId).toEqual(expect.any(String));
  });
});
