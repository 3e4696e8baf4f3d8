import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../../server/src/testing/harness.js';
import { ROOMY_PLAN } from '../../../server/src/testing/identity.js';
import { eventually } from '../../../server/src/testing/shoebox.js';
import { ConflictError, memoryStorage, memorySyncStore, type Note, type ShoeboxClient, type Sync, type SyncOptions } from '../index.js';
import { clientOf, recordingFetch } from '../testing/clients.js';
import { type SwitchableProxy, switchableProxy } from '../testing/proxy.js';

const byId = (notes: readonly Note[]) => Object.fromEntries(notes.map((note) => [note.noteId, note]));
const allNotes = async (sb: ShoeboxClient) => {
  const notes: Note[] = [];
  for await (const page of sb.notes.list({ limit: 100 })) notes.push(...page.items);
  return notes;
};

describe.each(engines)('sync(): notes written offline ($name)', (engine) => {
  let server: TestServer;
  let proxy: SwitchableProxy;
  const running: Sync[] = [];
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    proxy = await switchableProxy(server.url);
  });
  afterEach(async () => {
    for (const sync of running.splice(0)) sync.stop();
    await proxy.start().catch(() => undefined);
  });
  afterAll(async () => {
    await proxy.stop();
    await server.stop();
  });

  /**
   * One identity on two devices: `other` reaches the server directly, `device` through the proxy
   * the test switches off and on; `open` starts syncing on the device.
   */
  const twoDevices = async (options: Partial<Parameters<typeof clientOf>[1]> = {}) => {
    const storage = memoryStorage();
    const other = clientOf(server, { storage });
    await other.auth.ensureIdentity();
    const device = clientOf({ url: proxy.url, apiKey: server.apiKey }, { storage, ...options });
    const open = (syncOptions: SyncOptions = {}) => {
      const sync = device.sync({ live: false, ...syncOptions });
      running.push(sync);
      return sync;
    };
    return { other, device, open };
  };
  const pullUntil = (sync: Sync, done: (state: Sync['state']) => boolean) =>
    eventually(async () => {
      await sync.pull();
      return done(sync.state) && sync.state;
    });

  it('queues writes made offline under their own ids, keeps them saved, and sends each once on reconnect', async () => {
    const { other, open } = await twoDevices();
    const store = memorySyncStore();
    const sync = open({ store });
    const existing = await other.notes.create({ headline: 'existing', text: 'x' });
    await pullUntil(sync, (s) => s.notes.some((note) => note.noteId === existing.noteId));

    await proxy.stop();
    const written = await sync.createNote({ headline: 'written offline', text: 'draft' });
    expect(written).toMatchObject({ headline: 'written offline', text: 'draft', pending: 'create' });
    const noteId = String(written?.noteId);
    await sync.updateNote(noteId, { text: 'final' });
    const second = await sync.createNote({ headline: 'second offline', text: 'y' });
    await sync.deleteNote(existing.noteId);
    expect(sync.state.pending.map((write) => [write.kind, write.noteId])).toEqual([
      ['create', noteId],
      ['create', second?.noteId],
      ['delete', existing.noteId],
    ]);
    expect(byId(sync.state.notes)[noteId]).toMatchObject({ text: 'final', pending: 'create' });
    expect(byId(sync.state.notes)[existing.noteId]).toMatchObject({ pending: 'delete' });
    expect(byId(await allNotes(other))).toEqual({ [existing.noteId]: existing });

    // The app closes offline; its next start finds the queue in the store and sends it.
    sync.stop();
    await proxy.start();
    const reopened = open({ store });
    await reopened.flush();
    expect(reopened.state.pending).toEqual([]);
    const onServer = await allNotes(other);
    expect(onServer.map((note) => [note.noteId, note.headline, note.text, note.version]).sort()).toEqual(
      [
        [noteId, 'written offline', 'final', 1],
        [second?.noteId, 'second offline', 'y', 1],
      ].sort(),
    );
    const synced = await pullUntil(reopened, (s) => s.notes.length === 2);
    expect(byId(synced.notes)).toEqual(byId(onServer));
  });

  it('sends what waits by itself once the server is reachable again (live)', async () => {
    const { other, open } = await twoDevices();
    const sync = open({ live: true, maxBackoffMs: 200 });
    await eventually(async () => sync.state.connection === 'live');
    await proxy.stop();
    const written = await sync.createNote({ headline: 'sent on reconnect', text: 'x' });
    expect(written?.pending).toBe('create');
    await proxy.start();
    const synced = await eventually(
      async () => sync.state.pending.length === 0 && sync.state.notes.find((note) => note.noteId === written?.noteId),
    );
    expect(synced.pending).toBeUndefined();
    expect((await allNotes(other)).filter((note) => note.headline === 'sent on reconnect')).toEqual([synced]);
  });

  it('never makes two notes of one create whose answers were lost', async () => {
    let lost = 4;
    const { fetch, count } = recordingFetch(async (request, send) => {
      const response = await send();
      if (request === 'POST /v1/notes' && lost-- > 0) throw new TypeError('fetch failed');
      return response;
    });
    const { other, open } = await twoDevices({ fetch });
    const sync = open();
    const written = await sync.createNote({ headline: 'sent many times', text: 'x' });
    expect(written?.pending).toBe('create');
    await sync.flush();
    expect(sync.state.pending).toEqual([]);
    expect(count('POST /v1/notes')).toBe(5);
    expect((await allNotes(other)).filter((note) => note.headline === 'sent many times')).toHaveLength(1);
  });

  it('turns a queued update of a note changed elsewhere into a conflict with both versions, overwriting neither', async () => {
    const { other, open } = await twoDevices();
    const sync = open();
    const note = await other.notes.create({ headline: 'shared', text: 'v1' });
    await pullUntil(sync, (s) => s.notes.some((item) => item.noteId === note.noteId));

    await proxy.stop();
    await sync.updateNote(note.noteId, { text: 'mine' });
    const theirs = await other.notes.update(note.noteId, { text: 'theirs' });
    await proxy.start();
    await sync.flush();
    expect(sync.state.conflicts).toEqual([
      {
        noteId: note.noteId,
        write: expect.objectContaining({ kind: 'update', ifMatch: 1 }),
        mine: expect.objectContaining({ text: 'mine', version: 1 }),
        theirs,
      },
    ]);
    expect(sync.state.pending).toEqual([]);
    expect(byId(sync.state.notes)[note.noteId]).toEqual(theirs);
    expect(await other.notes.get(note.noteId)).toEqual(theirs);

    await sync.resolve(note.noteId, 'mine');
    expect(sync.state.conflicts).toEqual([]);
    expect(await other.notes.get(note.noteId)).toMatchObject({ text: 'mine', version: 3 });

    // Online, a write to an older version rejects with the conflict; keeping theirs drops it.
    const refused = await sync.updateNote(note.noteId, { text: 'stale' }, { ifMatch: 1 }).catch((error) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'precondition_failed', status: 412, current: expect.objectContaining({ text: 'mine' }) });
    expect(sync.state.conflicts.map((conflict) => conflict.noteId)).toEqual([note.noteId]);
    await sync.resolve(note.noteId, 'theirs');
    expect(sync.state.conflicts).toEqual([]);
    expect(await other.notes.get(note.noteId)).toMatchObject({ text: 'mine', version: 3 });
  });

  it.each([
    {
      name: 'an empty headline',
      write: (sync: Sync) => sync.createNote({ headline: '', text: 'x' }),
      code: 'validation_failed',
      status: 400,
    },
    { name: 'an unknown note', write: (sync: Sync) => sync.updateNote('no-such-note', { text: 'x' }), code: 'not_found', status: 404 },
    { name: 'deleting an unknown note', write: (sync: Sync) => sync.deleteNote('no-such-note'), code: 'not_found', status: 404 },
  ])('refuses $name with $code and queues nothing', async ({ write, code, status }) => {
    const { other, open } = await twoDevices();
    const sync = open();
    await sync.pull();
    const refused = await write(sync).catch((error) => error);
    expect(refused).toMatchObject({ code, status });
    expect(sync.state.pending).toEqual([]);
    expect(sync.state.failures).toEqual([]);
    expect(sync.state.notes).toEqual([]);
    expect(await allNotes(other)).toEqual([]);
  });
});
