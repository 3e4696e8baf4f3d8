import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../server/src/testing/harness.js';
import { ROOMY_PLAN } from '../../server/src/testing/identity.js';
import { type AuthState, memoryStorage, ShoeboxError } from './index.js';
import { clientOf, recordingFetch } from './testing/clients.js';

const REFRESH = 'POST /v1/identities/refresh';
/** Past a 2-second access token's lifetime: the next call has to refresh first. */
const outliveToken = () => new Promise((resolve) => setTimeout(resolve, 2100));

describe.each(engines)('the client keeps its identity (%s)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_ACCESS_TOKEN_TTL_SECONDS: '2' } });
  });
  afterAll(() => server.stop());

  it('makes a guest on first use, keeps it in storage and refreshes its 2-second tokens before they expire', async () => {
    const storage = memoryStorage();
    const { fetch, count } = recordingFetch();
    const sb = clientOf(server, { storage, fetch });
    const states: AuthState[] = [];
    sb.auth.onChange((state) => states.push(state));
    expect(sb.auth.identityId).toBeNull();
    const note = await sb.notes.create({ headline: 'First', text: 'made as a guest' });
    expect(sb.auth.identityId).toMatch(/^id_/);
    expect(sb.auth.kind).toBe('guest');
    expect(states).toEqual([{ identityId: sb.auth.identityId, kind: 'guest' }]);

    await outliveToken();
    expect((await sb.notes.get(note.noteId)).headline).toBe('First');
    // Refreshed ahead of expiry (how often depends on the machine's pace), never refused for an expired token.
    expect(count(REFRESH, 200)).toBeGreaterThanOrEqual(1);
    expect(count(`GET /v1/notes/${note.noteId}`, 401)).toBe(0);
    expect(count('POST /v1/identities')).toBe(1);

    // Another launch of the app, on the same storage: the same identity, its note still there.
    const relaunched = clientOf(server, { storage });
    expect((await relaunched.notes.get(note.noteId)).noteId).toBe(note.noteId);
    expect(relaunched.auth.identityId).toBe(sb.auth.identityId);
  });

  it('shares one refresh among 50 calls made at once with an expired token', async () => {
    const { fetch, count } = recordingFetch();
    const sb = clientOf(server, { fetch });
    const note = await sb.notes.create({ headline: 'Shared', text: 'one refresh' });
    await outliveToken();
    const before = count(REFRESH);
    const answers = await Promise.all(Array.from({ length: 50 }, () => sb.notes.get(note.noteId)));
    expect(answers.every((answer) => answer.noteId === note.noteId)).toBe(true);
    expect(count(REFRESH) - before).toBe(1);
  });

  it('refreshes and sends again when the server refuses the access token', async () => {
    const storage = memoryStorage();
    const sb = clientOf(server, { storage });
    await sb.auth.ensureIdentity();
    const stored = JSON.parse(String(await storage.getItem('shoebox.session')));
    await storage.setItem('shoebox.session', JSON.stringify({ ...stored, accessToken: 'not-a-token', expiresAt: Date.now() + 60_000 }));
    const { fetch, count } = recordingFetch();
    const relaunched = clientOf(server, { storage, fetch });
    expect((await relaunched.auth.me()).identityId).toBe(stored.identityId);
    expect(count('GET /v1/identities/me', 401)).toBe(1);
    expect(count(REFRESH, 200)).toBe(1);
  });

  it('retries a refresh whose answer was lost, and stays signed in', async () => {
    let lose = true;
    const { fetch, count } = recordingFetch(async (request, send) => {
      const response = await send();
      if (request === REFRESH && lose) {
        lose = false;
        throw new TypeError('fetch failed: the connection dropped before the answer arrived');
      }
      return response;
    });
    const sb = clientOf(server, { fetch });
    const states: AuthState[] = [];
    const note = await sb.notes.create({ headline: 'Kept', text: 'through a lost refresh' });
    sb.auth.onChange((state) => states.push(state));
    await outliveToken();
    expect((await sb.notes.get(note.noteId)).headline).toBe('Kept');
    expect(count(REFRESH, 'failed')).toBe(1);
    expect(count(REFRESH, 200)).toBeGreaterThanOrEqual(1);
    await outliveToken();
    expect((await sb.notes.list()).items.map((item) => item.noteId)).toEqual([note.noteId]);
    expect(states).toEqual([]);
  });

  it('signs out when the server refuses the refresh token, and then starts over as a new guest', async () => {
    const storage = memoryStorage();
    const sb = clientOf(server, { storage });
    const first = (await sb.auth.ensureIdentity()).identityId;
    const stored = JSON.parse(String(await storage.getItem('shoebox.session')));
    await storage.setItem('shoebox.session', JSON.stringify({ ...stored, refreshToken: `sbr_${'x'.repeat(43)}`, expiresAt: 0 }));
    const relaunched = clientOf(server, { storage });
    const states: AuthState[] = [];
    relaunched.auth.onChange((state) => states.push(state));
    const refused = await relaunched.notes
      .list()
      .first()
      .catch((error) => error);
    expect(refused).toBeInstanceOf(ShoeboxError);
    expect(refused).toMatchObject({ code: 'refresh_token_invalid', status: 401 });
    expect(states.at(-1)).toEqual({ identityId: null, kind: null });
    expect((await relaunched.auth.ensureIdentity()).identityId).not.toBe(first);
  });

  it('signs up keeping the guest’s notes, logs out, logs in to the same identity, and deletes the account', async () => {
    const sb = clientOf(server);
    const note = await sb.notes.create({ headline: 'Before sign-up', text: 'kept' });
    const guest = sb.auth.identityId;
    const email = `sdk-${Date.now()}@example.com`;
    expect(await sb.auth.signUp({ email, password: 'correct horse' })).toEqual({ identityId: guest, kind: 'authenticated' });
    expect((await sb.notes.get(note.noteId)).headline).toBe('Before sign-up');

    await sb.auth.logOut();
    expect(sb.auth.identityId).toBeNull();
    const wrong = await sb.auth.logIn({ email, password: 'wrong password' }).catch((error) => error);
    expect(wrong).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect((await sb.auth.logIn({ email, password: 'correct horse' })).identityId).toBe(guest);
    expect((await sb.notes.get(note.noteId)).noteId).toBe(note.noteId);

    await sb.auth.deleteAccount();
    expect(sb.auth.identityId).toBeNull();
    const gone = await sb.auth.logIn({ email, password: 'correct horse' }).catch((error) => error);
    expect(gone).toMatchObject({ code: 'invalid_credentials' });
  });
});
