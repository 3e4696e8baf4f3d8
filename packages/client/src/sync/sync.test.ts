import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../../server/src/testing/harness.js';
import { bearer, ROOMY_PLAN } from '../../../server/src/testing/identity.js';
import { phoneJpeg } from '../../../server/src/testing/images.js';
import { eventually } from '../../../server/src/testing/shoebox.js';
import { type FeedChange, memoryStorage, memorySyncStore, type Note, type ShoeboxClient, type Sync } from '../index.js';
import { clientOf, recordingFetch } from '../testing/clients.js';
import { type SwitchableProxy, switchableProxy } from '../testing/proxy.js';

const byId = (notes: readonly Note[]) => Object.fromEntries(notes.map((note) => [note.noteId, note]));
const allNotes = async (sb: ShoeboxClient) => {
  const notes: Note[] = [];
  for await (const page of sb.notes.list({ limit: 100 })) notes.push(...page.items);
  return notes;
};

describe.each(engines)('sync(): the local copy from the change feed ($name)', (engine) => {
  let server: TestServer;
  const running: Sync[] = [];
  const started = (sync: Sync) => {
    running.push(sync);
    return sync;
  };
  beforeAll(async () => {
    // Retention 0: pruning (run by the tests) may delete every change all consumers have passed.
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_STREAM_RETENTION_HOURS: '0' } });
  });
  afterEach(() => {
    for (const sync of running.splice(0)) sync.stop();
  });
  afterAll(() => server.stop());

  /** Pulls until `done` holds for the state (the feed follows the writes once they are published). */
  const pullUntil = (sync: Sync, done: (state: Sync['state']) => boolean) =>
    eventually(async () => {
      await sync.pull();
      return done(sync.state) && sync.state;
    });

  it('keeps a copy equal to the server, page by page: current versions, tombstones, photos', async () => {
    const sb = clientOf(server);
    const sync = started(sb.sync({ live: false, pageSize: 2 }));
    const heard: FeedChange[] = [];
    sync.subscribe((_, changes) => heard.push(...changes));
    const kept = await sb.notes.create({ headline: 'kept', text: 'v1' });
    const gone = await sb.notes.create({ headline: 'gone', text: 'x' });
    await sb.notes.update(kept.noteId, { text: 'v2' });
    await sb.notes.delete(gone.noteId);
    const photo = await sb.photos.upload(await phoneJpeg(), { contentType: 'image/jpeg' });

    const state = await pullUntil(
      sync,
      (s) => s.notes.some((note) => note.noteId === kept.noteId && note.version === 2) && s.photos.some((p) => p.photoId === photo.photoId),
    );
    expect(byId(state.notes)).toEqual(byId(await allNotes(sb)));
    expect(state.notes.map((note) => note.noteId)).not.toContain(gone.noteId);
    expect(heard).toContainEqual({ type: 'note', id: kept.noteId, data: expect.objectContaining({ text: 'v2', version: 2 }) });

    // From its cursor, the next pull brings only what changed since.
    const cursor = state.cursor;
    heard.length = 0;
    const added = await sb.notes.create({ headline: 'later', text: 'x' });
    await sb.notes.delete(kept.noteId);
    const later = await pullUntil(sync, (s) => s.notes.some((note) => note.noteId === added.noteId) && !byId(s.notes)[kept.noteId]);
    expect(heard.filter((change) => change.type === 'note')).toEqual([
      { type: 'note', id: added.noteId, data: expect.objectContaining({ headline: 'later' }) },
      { type: 'note', id: kept.noteId, data: null },
    ]);
    expect(Number(later.cursor)).toBeGreaterThan(Number(cursor));
    expect(byId(later.notes)).toEqual(byId(await allNotes(sb)));
  });

  it('starts over with a full read when its cursor is older than what the server keeps (410)', async () => {
    const storage = memoryStorage();
    const store = memorySyncStore();
    const sb = clientOf(server, { storage });
    const first = started(sb.sync({ live: false, store }));
    const old = await sb.notes.create({ headline: 'old', text: 'x' });
    await pullUntil(first, (s) => s.notes.some((note) => note.noteId === old.noteId));
    first.stop();

    // While this device is away: changes, then pruned past its cursor.
    const changed = await sb.notes.update(old.noteId, { text: 'changed while away' });
    const added = await sb.notes.create({ headline: 'added while away', text: 'x' });
    const { accessToken } = JSON.parse(String(storage.getItem('shoebox.session')));
    await eventually(async () => {
      await server.server.shoebox.processor.prune();
      return (await server.v1(`/v1/changes?since=${first.state.cursor}`, { headers: bearer(accessToken) })).status === 410;
    });

    const { fetch, count } = recordingFetch();
    const device = clientOf(server, { storage, fetch });
    const again = started(device.sync({ live: false, store }));
    await again.pull();
    expect(count('GET /v1/changes', 410)).toBeGreaterThan(0);
    expect(byId(again.state.notes)).toEqual(byId(await allNotes(sb)));
    expect(byId(again.state.notes)[old.noteId]).toEqual(changed);
    expect(byId(again.state.notes)[added.noteId]).toEqual(added);

    // A new device, after pruning: the feed alone no longer has these notes; the copy still does.
    const fresh = started(clientOf(server, { storage }).sync({ live: false }));
    await fresh.pull();
    expect(byId(fresh.state.notes)).toEqual(byId(await allNotes(sb)));
  });

  it('starts over for another identity, never showing the previous one’s notes', async () => {
    const store = memorySyncStore();
    const sb = clientOf(server);
    const sync = started(sb.sync({ live: false, store }));
    const note = await sb.notes.create({ headline: 'the first identity’s', text: 'x' });
    await pullUntil(sync, (s) => s.notes.some((item) => item.noteId === note.noteId));
    const first = sb.auth.identityId;
    await sb.auth.deleteAccount();
    await sync.pull();
    expect(sb.auth.identityId).not.toBe(first);
    expect(sync.state.notes).toEqual([]);
    expect(await store.load()).toMatchObject({ identityId: sb.auth.identityId, notes: {}, queue: [] });
  });

  describe('live', () => {
    let proxy: SwitchableProxy;
    beforeAll(async () => {
      proxy = await switchableProxy(server.url);
    });
    afterAll(() => proxy.stop());

    it('shows a note written on another device as it commits', async () => {
      const storage = memoryStorage();
      const other = clientOf(server, { storage });
      await other.auth.ensureIdentity();
      const sync = started(clientOf(server, { storage }).sync());
      await eventually(async () => sync.state.connection === 'live');
      const note = await other.notes.create({ headline: 'from the other device', text: 'x' });
      const arrived = await eventually(async () => byId(sync.state.notes)[note.noteId]);
      expect(arrived).toEqual(note);
    });

    it('misses nothing across a reconnect: the stream resumes at the copy’s cursor', async () => {
      const storage = memoryStorage();
      const other = clientOf(server, { storage });
      await other.auth.ensureIdentity();
      const resumedAt: (string | null)[] = [];
      const device = clientOf(
        { url: proxy.url, apiKey: server.apiKey },
        {
          storage,
          fetch: (input, init) => {
            if (new URL(input).pathname === '/v1/changes/stream') resumedAt.push(new Headers(init.headers).get('last-event-id'));
            return globalThis.fetch(input, init);
          },
        },
      );
      const sync = started(device.sync({ maxBackoffMs: 200 }));
      const before = await other.notes.create({ headline: 'before the drop', text: 'x' });
      await eventually(async () => sync.state.connection === 'live' && byId(sync.state.notes)[before.noteId]);
      const connections = resumedAt.length;
      const cursor = sync.state.cursor;

      await proxy.stop();
      await eventually(async () => sync.state.connection === 'offline');
      const missed = await other.notes.create({ headline: 'while offline', text: 'x' });
      await other.notes.delete(before.noteId);
      await proxy.start();

      await eventually(async () => sync.state.connection === 'live' && byId(sync.state.notes)[missed.noteId]);
      expect(byId(sync.state.notes)[before.noteId]).toBeUndefined();
      expect(resumedAt.length).toBeGreaterThan(connections);
      expect(Number(resumedAt.at(-1))).toBeGreaterThanOrEqual(Number(cursor));
      // Live again: the next change arrives through the stream.
      const after = await other.notes.create({ headline: 'after the reconnect', text: 'x' });
      await eventually(async () => byId(sync.state.notes)[after.noteId]);
      expect(byId(sync.state.notes)).toEqual(byId(await allNotes(other)));
    });
  });
});
