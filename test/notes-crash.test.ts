import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../packages/server/src/testing/engines.js';
import { json, removeTestData, tempDir } from '../packages/server/src/testing/harness.js';
import { ROOMY_PLAN } from '../packages/server/src/testing/identity.js';
import { type ServeProcess, spawnServe } from '../packages/server/src/testing/processes.js';
import { eventually } from '../packages/server/src/testing/shoebox.js';

const ADMIN = 'crash-test-admin-token-0123456789abcdef';
const WRITERS = 8;
const ACKED_BEFORE_KILL = 250;

interface Tracked {
  readonly noteId: string;
  readonly guest: number;
  /** Headline tokens whose write was acknowledged, oldest first. */
  readonly acked: string[];
  /** A write sent but not answered when the server died: it may or may not have committed. */
  pending: { token: string } | { deleted: true } | null;
  deleted: boolean;
}

describe.each(engines)('kill -9 during concurrent writes ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  it('keeps every acknowledged note, and search converges on each note’s latest version', async () => {
    const env = { ...ROOMY_PLAN, SHOEBOX_DATA_DIR: dataDir, SHOEBOX_ADMIN_TOKEN: ADMIN, ...(await engine.prepare(dataDir)) };
    let server: ServeProcess = await spawnServe(env);
    const apiKey = /API key: +(sbk_[A-Za-z0-9_-]{43})/.exec(server.stdout())?.[1] ?? '';
    const call = (token: string, path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { 'x-api-key': apiKey, authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    const guests: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': apiKey } });
      expect(response.status).toBe(201);
      guests.push((await json(response)).accessToken);
    }

    const notes: Tracked[] = [];
    let acknowledged = 0;
    const writer = async (w: number) => {
      const mine: Tracked[] = [];
      for (let step = 0; ; step++) {
        const guest = w % guests.length;
        const token = `crash${w}s${step}z`;
        const live = mine.filter((note) => !note.deleted);
        const target = live[step % Math.max(1, live.length)];
        try {
          if (step % 4 === 1 && target) {
            target.pending = { token };
            const response = await call(guests[guest]!, `/v1/notes/${target.noteId}`, {
              method: 'PATCH',
              body: JSON.stringify({ headline: `${token} edited` }),
            });
            expect(response.status).toBe(200);
            target.acked.push(token);
          } else if (step % 7 === 3 && target) {
            target.pending = { deleted: true };
            const response = await call(guests[guest]!, `/v1/notes/${target.noteId}`, { method: 'DELETE' });
            expect(response.status).toBe(204);
            target.deleted = true;
          } else {
            const response = await call(guests[guest]!, '/v1/notes', {
              method: 'POST',
              body: JSON.stringify({ headline: `${token} created`, text: 'crash test' }),
            });
            expect(response.status).toBe(201);
            const note: Tracked = { noteId: (await json(response)).noteId, guest, acked: [token], pending: null, deleted: false };
            mine.push(note);
            notes.push(note);
          }
          if (target?.pending) target.pending = null;
          acknowledged++;
        } catch (error) {
          // The server died mid-request: whatever was in flight stays pending (committed or not).
          if (error instanceof TypeError) return;
          throw error;
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    // A writer that fails for another reason than the crash fails the test at once.
    await Promise.race([eventually(async () => acknowledged >= ACKED_BEFORE_KILL, 5), Promise.all(writers)]);
    await server.stop('SIGKILL');
    await Promise.all(writers);

    server = await spawnServe(env);
    // A note written after the restart: once search finds it, every earlier change has been processed.
    const sentinel = await call(guests[0]!, '/v1/notes', {
      method: 'POST',
      body: JSON.stringify({ headline: 'sentinelafterrestart', text: '' }),
    });
    expect(sentinel.status).toBe(201);
    const found = async (guest: number, q: string) =>
      ((await json(await call(guests[guest]!, `/v1/search?q=${encodeURIComponent(q)}&limit=10`))).hits as { noteId: string }[]).map(
        (h) => h.noteId,
      );
    await eventually(async () => (await found(0, 'sentinelafterrestart')).length === 1, 50);

    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) {
      const response = await call(guests[note.guest]!, `/v1/notes/${note.noteId}`);
      const tokens = [...note.acked, ...(note.pending && 'token' in note.pending ? [note.pending.token] : [])];
      if (note.deleted) {
        expect(response.status).toBe(404);
      } else if (response.status === 404) {
        // Only a delete that was in flight may have removed it.
        expect(note.pending).toEqual({ deleted: true });
      } else {
        expect(response.status).toBe(200);
        const current = ((await json(response)).headline as string).split(' ')[0]!;
        // The last acknowledged version, or the one in flight when the server died.
        if (current !== note.acked.at(-1)) expect(note.pending).toEqual({ token: current });
        expect(await found(note.guest, current)).toEqual([note.noteId]);
        for (const old of tokens.filter((token) => token !== current)) expect(await found(note.guest, old)).toEqual([]);
        continue;
      }
      for (const token of tokens) expect(await found(note.guest, token)).toEqual([]);
    }
    expect(await server.stop()).toBe(0);
  }, 180_000);
});
