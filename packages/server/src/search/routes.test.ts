import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';

describe.each(engines)('search API ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  const privateIds: string[] = [];
  const publicIds: string[] = [];

  const send = (who: Pair, method: string, path: string, body?: object) =>
    asIdentity(server, who.accessToken, path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  const search = (who: Pair, params: Record<string, string>) => send(who, 'GET', `/v1/search?${new URLSearchParams(params)}`);
  const ids = async (who: Pair, params: Record<string, string>) => {
    const response = await search(who, params);
    expect(response.status).toBe(200);
    return (await json(response)).hits.map((hit: { noteId: string }) => hit.noteId);
  };
  /** Waits until the search indexer has handled every change written so far. */
  const caughtUp = () =>
    eventually(async () => {
      const [status] = await streamStatus(server.server.shoebox.database, ['search']);
      return status?.lagChanges === 0 && status.retrying === 0;
    });

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    alice = await createGuest(server);
    bob = await createGuest(server);
    const notes = [
      { headline: 'Summer trip to the coast', text: 'Surfing lessons and a café by the harbour.', visibility: 'private' },
      { headline: 'Recipes', text: 'Grandma’s <secret> apple pie: butter, flour & apples.', visibility: 'private' },
      { headline: 'Public harbour guide', text: 'Where to moor at the harbour.', visibility: 'public' },
    ];
    for (const note of notes) {
      const { noteId } = await json(await send(alice, 'POST', '/v1/notes', note));
      (note.visibility === 'public' ? publicIds : privateIds).push(noteId);
    }
    for (let i = 0; i < 12; i++) await send(alice, 'POST', '/v1/notes', { headline: `Logbook ${i}`, text: 'daily logbook entry' });
    await caughtUp();
  });
  afterAll(() => server.stop());

  it('answers hits with highlighted, HTML-escaped headline and text, a score and updatedAt', async () => {
    const response = await search(alice, { q: 'apple secret' });
    expect(response.status).toBe(200);
    const { hits, nextCursor } = await json(response);
    expect(nextCursor).toBeNull();
    expect(hits).toEqual([
      {
        noteId: privateIds[1],
        headline: 'Recipes',
        text: 'Grandma’s <secret> apple pie: butter, flour & apples.',
        visibility: 'private',
        highlights: {
          headline: 'Recipes',
          text: 'Grandma’s &lt;<mark>secret</mark>&gt; <mark>apple</mark> pie: butter, flour &amp; <mark>apples</mark>.',
        },
        score: expect.any(Number),
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
  });

  it('pages with nextCursor until every hit was seen once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await json(await search(alice, { q: 'logbook', limit: '5', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.hits.map((hit: { noteId: string }) => hit.noteId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });

  it('finds an edited note by its new text only, and a deleted note not at all, once caught up', async () => {
    const { noteId } = await json(await send(alice, 'POST', '/v1/notes', { headline: 'Draft', text: 'tangerine' }));
    await caughtUp();
    expect(await ids(alice, { q: 'tangerine' })).toEqual([noteId]);
    expect((await send(alice, 'PATCH', `/v1/notes/${noteId}`, { text: 'grapefruit' })).status).toBe(200);
    await caughtUp();
    expect(await ids(alice, { q: 'tangerine' })).toEqual([]);
    expect(await ids(alice, { q: 'grapefruit' })).toEqual([noteId]);
    expect((await send(alice, 'DELETE', `/v1/notes/${noteId}`)).status).toBe(204);
    await caughtUp();
    expect(await ids(alice, { q: 'grapefruit OR draft' })).toEqual([]);
  });

  it("never shows another identity's private notes; scope=public shows everyone's public ones", async () => {
    expect(await ids(bob, { q: 'harbour' })).toEqual([]);
    expect(await ids(bob, { q: 'harbour', scope: 'public' })).toEqual(publicIds);
    expect(await ids(alice, { q: 'harbour' })).toEqual(expect.arrayContaining([...privateIds.slice(0, 1), ...publicIds]));
  });

  it('suggests completions from the caller’s own notes only', async () => {
    const response = await send(alice, 'GET', '/v1/search/suggest?q=harb');
    expect(response.status).toBe(200);
    const { suggestions } = await json(response);
    expect(suggestions[0]).toEqual({ kind: 'term', value: 'harbour' });
    expect(suggestions).toContainEqual({ kind: 'headline', value: 'Public harbour guide' });
    expect((await json(await send(bob, 'GET', '/v1/search/suggest?q=harb'))).suggestions).toEqual([]);
  });

  it.each([
    { name: 'no q', query: '' },
    { name: 'an empty q', query: 'q=' },
    { name: 'a q of 501 characters', query: `q=${'a'.repeat(501)}` },
    { name: 'a q of 10 kB', query: `q=${'word '.repeat(2048)}` },
    { name: 'a q with nothing to search for', query: `q=${encodeURIComponent('*** -alone')}` },
    { name: 'a one-letter prefix', query: 'q=a*' },
    { name: 'limit=0', query: 'q=harbour&limit=0' },
    { name: 'limit=51', query: 'q=harbour&limit=51' },
    { name: 'an unknown scope', query: 'q=harbour&scope=all' },
    { name: 'a garbage cursor', query: 'q=harbour&cursor=garbage' },
    { name: 'an unknown parameter', query: 'q=harbour&owner=someone' },
  ])('refuses $name with 400 validation_failed', async ({ query }) => {
    await expectProblem(await send(alice, 'GET', `/v1/search?${query}`), 400, 'validation_failed');
  });

  it.each([
    { name: 'no q', query: '' },
    { name: 'a q of 101 characters', query: `q=${'a'.repeat(101)}` },
  ])('refuses a suggestion request with $name', async ({ query }) => {
    await expectProblem(await send(alice, 'GET', `/v1/search/suggest?${query}`), 400, 'validation_failed');
  });

  it('answers any query string with 200 or a clear 400, never a 500 and never a foreign note (property)', async () => {
    const fragments = fc.constantFrom(
      '"',
      '*',
      '-',
      ':',
      '(',
      ')',
      '{',
      '}',
      '^',
      'OR',
      'AND',
      'NOT',
      'NEAR(',
      'headline:',
      'text:',
      'scope:',
      'public',
      ' ',
      'harbour',
      'apple',
      'secret',
      'é',
      '\u0000',
      '\u0001',
      '\u0002',
      '\n',
      '🙂',
      '%',
    );
    const query = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.array(fragments, { maxLength: 40 }).map((parts) => parts.join('')),
      fc.string({ minLength: 400, maxLength: 10_000 }),
    );
    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom('mine', 'public'), async (q, scope) => {
        for (const endpoint of ['/v1/search', '/v1/search/suggest']) {
          const params: Record<string, string> = endpoint === '/v1/search' ? { q, scope } : { q };
          const response = await send(bob, 'GET', `${endpoint}?${new URLSearchParams(params)}`);
          expect([200, 400]).toContain(response.status);
          const body = await json(response);
          if (response.status === 400) {
            expect(body.code).toBe('validation_failed');
            continue;
          }
          const text = JSON.stringify(body);
          for (const id of privateIds) expect(text).not.toContain(id);
          expect(text).not.toMatch(/Surfing|Grandma|Recipes|Logbook/);
        }
      }),
      { numRuns: 150 },
    );
  });
});
