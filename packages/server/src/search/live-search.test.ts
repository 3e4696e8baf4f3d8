import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';

/**
 * The index lags the notes table while a change waits for a retry, sits in the dead-letter table,
 * or no worker runs. Here no worker runs after the notes are first indexed: search must still
 * answer only what the notes table allows.
 */
describe.each(engines)('search while the index lags ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  /** Alice's public notes, all matching "walrus", indexed before the worker stopped. */
  const ids: string[] = [];

  const send = (who: Pair, method: string, path: string, body?: object) =>
    asIdentity(server, who.accessToken, path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  const write = async (method: string, noteId: string | undefined, body?: object) => {
    const response = await send(alice, method, `/v1/notes/${noteId ?? ''}`, body);
    expect(response.status).toBeLessThan(300);
  };
  /** Every hit of a search, page by page, and the size of each page. */
  const pages = async (who: Pair, q: string, scope: 'mine' | 'public', limit: number) => {
    const hits: { noteId: string; text: string }[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ q, scope, limit: String(limit), ...(cursor ? { cursor } : {}) });
      const response = await send(who, 'GET', `/v1/search?${params}`);
      expect(response.status).toBe(200);
      const page = await json(response);
      hits.push(...page.hits);
      sizes.push(page.hits.length);
      cursor = page.nextCursor;
    } while (cursor);
    return { ids: hits.map((hit) => hit.noteId), texts: hits.map((hit) => hit.text), sizes };
  };

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    alice = await createGuest(server);
    bob = await createGuest(server);
    for (let i = 0; i < 8; i++) {
      const response = await send(alice, 'POST', '/v1/notes', {
        headline: `Walrus ${i}`,
        text: `walrus sighting ${i}`,
        visibility: 'public',
      });
      ids.push((await json(response)).noteId);
    }
    await eventually(async () => (await streamStatus(server.server.shoebox.database, ['search']))[0]?.lagChanges === 0);
    await server.server.shoebox.processor.stop();

    await write('PATCH', ids[0], { visibility: 'private' });
    await write('DELETE', ids[1]);
    // Made private, then public again with its words retracted: the index still holds the old words.
    await write('PATCH', ids[2], { visibility: 'private' });
    await write('PATCH', ids[2], { visibility: 'public', text: 'retracted' });
    await write('DELETE', ids[5]);
  });
  afterAll(() => server.stop());

  it('never answers scope=public with a note the notes table holds private, deleted or at another version', async () => {
    const { ids: found, texts } = await pages(bob, 'walrus', 'public', 10);
    expect(found.sort()).toEqual([ids[3], ids[4], ids[6], ids[7]].sort());
    expect(texts.join(' ')).not.toMatch(/sighting [0125]/);
  });

  it('pages past the hits it drops, every other hit exactly once, in full pages while more follow', async () => {
    const { ids: found, sizes } = await pages(bob, 'walrus', 'public', 2);
    expect(found.sort()).toEqual([ids[3], ids[4], ids[6], ids[7]].sort());
    expect(sizes.slice(0, 2)).toEqual([2, 2]);
  });

  it('leaves deleted notes out of scope=mine and suggestions, and keeps the owner’s private ones', async () => {
    const { ids: found } = await pages(alice, 'walrus', 'mine', 3);
    expect(found.sort()).toEqual([ids[0], ids[2], ids[3], ids[4], ids[6], ids[7]].sort());
    const suggest = await json(await send(alice, 'GET', '/v1/search/suggest?q=walrus'));
    const headlines = suggest.suggestions.filter((s: { kind: string }) => s.kind === 'headline').map((s: { value: string }) => s.value);
    expect(headlines).not.toContain('Walrus 1');
    expect(headlines).not.toContain('Walrus 5');
  });
});
