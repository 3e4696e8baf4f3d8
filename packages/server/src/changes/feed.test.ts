import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { createGuest, expectProblem, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { callAs, writeAs } from '../testing/requests.js';
import { eventually } from '../testing/shoebox.js';

interface Local {
  readonly items: Map<string, any>;
  cursor: string | undefined;
}

describe.each(engines)('change feed ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  beforeAll(async () => {
    // Retention 0: pruning (run by the test) may delete every change all consumers have passed.
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_STREAM_RETENTION_HOURS: '0' } });
    alice = await createGuest(server);
    bob = await createGuest(server);
  });
  afterAll(() => server.stop());

  const call = (who: Pair, method: string, path: string, body?: unknown) => callAs(server, who, method, path, body);
  const write = (who: Pair, method: string, path: string, body?: unknown) => writeAs(server, who, method, path, body);
  /** Reads the feed from the local copy's cursor until nothing more waits, applying each entry as sync() would. */
  const sync = async (who: Pair, local: Local, limit = 2) => {
    for (;;) {
      const query = new URLSearchParams({ limit: String(limit), ...(local.cursor && { since: local.cursor }) });
      const response = await call(who, 'GET', `/v1/changes?${query}`);
      expect(response.status).toBe(200);
      const page = await json(response);
      for (const { type, id, data } of page.changes) {
        if (data === null) local.items.delete(`${type}:${id}`);
        else local.items.set(`${type}:${id}`, data);
      }
      local.cursor = page.cursor;
      if (!page.hasMore) return local;
    }
  };
  const serverState = async (who: Pair) => {
    const notes = (await json(await call(who, 'GET', '/v1/notes?limit=100'))).notes;
    const photos = (await json(await call(who, 'GET', '/v1/photos?limit=100'))).photos;
    return new Map<string, any>([
      ...notes.map((note: any) => [`note:${note.noteId}`, note] as const),
      ...photos.map((photo: any) => [`photo:${photo.photoId}`, photo] as const),
    ]);
  };
  /** Syncs until the local copy holds `keys` (the publication follows the writes shortly). */
  const syncUntil = (who: Pair, local: Local, done: (local: Local) => boolean) =>
    eventually(async () => {
      await sync(who, local);
      return done(local) && local;
    });

  it('keeps a local copy equal to the server: current versions, tombstones, only the caller’s own', async () => {
    const kept = await write(alice, 'POST', '/v1/notes', { headline: 'kept', text: 'v1' });
    const gone = await write(alice, 'POST', '/v1/notes', { headline: 'gone', text: 'x' });
    const photo = await write(alice, 'POST', '/v1/photos', { contentType: 'image/jpeg', contentLength: 100 });
    await write(bob, 'POST', '/v1/notes', { headline: 'not alice’s', text: 'x' });
    await write(alice, 'PUT', `/v1/notes/${kept.noteId}`, { headline: 'kept', text: 'v2' });
    await write(alice, 'DELETE', `/v1/notes/${gone.noteId}`);

    const local = await syncUntil(
      alice,
      { items: new Map(), cursor: undefined },
      (l) =>
        l.items.get(`note:${kept.noteId}`)?.version === 2 && !l.items.has(`note:${gone.noteId}`) && l.items.has(`photo:${photo.photoId}`),
    );
    expect(local.items).toEqual(await serverState(alice));
    expect([...local.items.values()].every((item) => !JSON.stringify(item).includes('not alice’s'))).toBe(true);

    // Once everything is published, the cursor has nothing more; from it, the next sync gets only what changed since.
    const settled = await eventually(async () => {
      await sync(alice, local);
      const page = await json(await call(alice, 'GET', `/v1/changes?since=${local.cursor}`));
      return page.changes.length === 0 && page;
    });
    const cursor = local.cursor;
    expect(settled).toEqual({ changes: [], cursor, hasMore: false });
    expect(local.items).toEqual(await serverState(alice));
    const added = await write(alice, 'POST', '/v1/notes', { headline: 'later', text: 'x' });
    const later = await eventually(async () => {
      const page = await json(await call(alice, 'GET', `/v1/changes?since=${cursor}`));
      return page.changes.length > 0 && page;
    });
    expect(later.changes).toEqual([
      { type: 'note', id: added.noteId, data: expect.objectContaining({ noteId: added.noteId, version: 1 }) },
    ]);
    expect(Number(later.cursor)).toBeGreaterThan(Number(cursor));
  });

  it('answers 410 cursor_expired for a cursor older than what pruning kept', async () => {
    const note = await write(alice, 'POST', '/v1/notes', { headline: 'before pruning', text: 'x' });
    const local = await syncUntil(alice, { items: new Map(), cursor: undefined }, (l) => l.items.has(`note:${note.noteId}`));
    await eventually(async () => (await server.server.shoebox.processor.prune()) > 0);
    const problem = await expectProblem(await call(alice, 'GET', '/v1/changes?since=1'), 410, 'cursor_expired');
    expect(problem.oldestCursor).toEqual(expect.any(String));
    // A cursor at what was synchronised still works, and a full read (no since) too.
    expect((await call(alice, 'GET', `/v1/changes?since=${local.cursor}`)).status).toBe(200);
    expect((await call(alice, 'GET', '/v1/changes')).status).toBe(200);
  });

  it.each([
    { query: 'since=abc', status: 400, code: 'validation_failed' },
    { query: 'since=-1', status: 400, code: 'validation_failed' },
    { query: 'limit=0', status: 400, code: 'validation_failed' },
    { query: 'limit=501', status: 400, code: 'validation_failed' },
    { query: 'other=1', status: 400, code: 'validation_failed' },
  ])('refuses ?$query with $code', async ({ query, status, code }) => {
    await expectProblem(await call(alice, 'GET', `/v1/changes?${query}`), status, code);
  });

  it('needs an identity', async () => {
    await expectProblem(await server.v1('/v1/changes'), 401, 'access_token_missing');
  });
});
