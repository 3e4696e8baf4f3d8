import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig, parseConfig } from '../config/config.js';
import { engines } from '../testing/engines.js';
import { json, ownRedisPrefix, type TestServer } from '../testing/harness.js';
import { asIdentity, bearer, createGuest, expectProblem, postJson, signUp } from '../testing/identity.js';
import { accountServer } from '../testing/mail.js';
import { notesSnapshot } from '../testing/notes.js';
import { servedOpenApiDocument } from '../testing/openapi.js';
import { createPhoto } from '../testing/photos.js';

const note = (server: TestServer, token: string, headline: string) =>
  postJson(server, '/v1/notes', { headline, text: 'text' }, bearer(token));
const photo = { contentType: 'image/jpeg', contentLength: 2000 };

describe.each(engines)('guest policies ($name)', (engine) => {
  describe('what guests may do', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await accountServer(engine, {
        ...ownRedisPrefix('guest-policy'),
        SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12',
        SHOEBOX_GUEST_ALLOW: 'notes:read,notes:write,search',
        SHOEBOX_GUEST_MAX_NOTES: '2',
      });
    });
    afterAll(() => server.stop());

    it('answers 403 guest_not_allowed to what the policy leaves out, changing nothing, and lets accounts do it', async () => {
      const guest = await createGuest(server);
      const before = await notesSnapshot(server);
      const refused = await expectProblem(await createPhoto(server, guest.accessToken, photo), 403, 'guest_not_allowed');
      expect(refused.action).toBe('photos:write');
      await expectProblem(await asIdentity(server, guest.accessToken, '/v1/photos'), 403, 'guest_not_allowed');
      expect(await notesSnapshot(server)).toEqual(before);
      expect((await asIdentity(server, guest.accessToken, '/v1/search?q=anything')).status).toBe(200);

      const account = await signUp(server, 'member@example.com', 'the password');
      expect((await createPhoto(server, account.accessToken, photo)).status).toBe(201);
    });

    it('caps a guest’s notes, batches included, until the guest signs up', async () => {
      const guest = await createGuest(server);
      expect((await note(server, guest.accessToken, 'one')).status).toBe(201);
      const batch = await postJson(
        server,
        '/v1/notes/batch',
        {
          notes: [
            { headline: 'two', text: 't' },
            { headline: 'three', text: 't' },
          ],
        },
        bearer(guest.accessToken),
      );
      await expectProblem(batch, 403, 'guest_not_allowed');
      expect((await note(server, guest.accessToken, 'two')).status).toBe(201);
      const before = await notesSnapshot(server);
      const capped = await expectProblem(await note(server, guest.accessToken, 'three'), 403, 'guest_not_allowed');
      expect(capped.maxNotes).toBe(2);
      expect(await notesSnapshot(server)).toEqual(before);
      // Deleting one makes room again.
      const list = await json(await asIdentity(server, guest.accessToken, '/v1/notes'));
      expect((await asIdentity(server, guest.accessToken, `/v1/notes/${list.notes[0].noteId}`, { method: 'DELETE' })).status).toBe(204);
      expect((await note(server, guest.accessToken, 'three')).status).toBe(201);

      // Signing up keeps the identity and lifts the guest rules.
      const account = await signUp(server, 'former-guest@example.com', 'the password', guest.accessToken);
      expect(account.identityId).toBe(guest.identityId);
      expect((await note(server, account.accessToken, 'four')).status).toBe(201);
      expect((await createPhoto(server, account.accessToken, photo)).status).toBe(201);
    });
  });

  describe('a lower photo quota for guests', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await accountServer(engine, {
        ...ownRedisPrefix('guest-quota'),
        SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12',
        SHOEBOX_GUEST_PHOTO_QUOTA_BYTES: '1000',
      });
    });
    afterAll(() => server.stop());

    it('refuses a guest what its quota cannot hold, and not an account', async () => {
      const guest = await createGuest(server);
      await expectProblem(await createPhoto(server, guest.accessToken, photo), 413, 'storage_quota_exceeded');
      expect((await createPhoto(server, guest.accessToken, { ...photo, contentLength: 900 })).status).toBe(201);
      const account = await signUp(server, 'roomy@example.com', 'the password');
      expect((await createPhoto(server, account.accessToken, photo)).status).toBe(201);
    });
  });

  describe('a guest lifetime', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await accountServer(engine, {
        ...ownRedisPrefix('guest-lifetime'),
        SHOEBOX_PASSWORD_SCRYPT_LOG_N: '12',
        SHOEBOX_GUEST_LIFETIME_DAYS: '30',
        SHOEBOX_GUEST_SWEEP_SECONDS: '1',
      });
    });
    afterAll(() => server.stop());

    it('removes guests unused for the lifetime with their data, and keeps active guests and accounts', async () => {
      const { db } = server.server.shoebox.database;
      const idle = await createGuest(server);
      const active = await createGuest(server);
      const account = await signUp(server, 'old-account@example.com', 'the password');
      expect((await note(server, idle.accessToken, 'forgotten')).status).toBe(201);
      // 31 days pass for all three; the active guest refreshed yesterday.
      const past = Date.now() - 31 * 86_400_000;
      for (const { identityId } of [idle, active, account]) {
        await db.updateTable('identities').set({ created_at: past }).where('id', '=', identityId).execute();
        const sessions = db.selectFrom('identity_sessions').select('id').where('identity_id', '=', identityId);
        await db.updateTable('refresh_tokens').set({ created_at: past }).where('session_id', 'in', sessions).execute();
      }
      const activeSessions = db.selectFrom('identity_sessions').select('id').where('identity_id', '=', active.identityId);
      await db
        .updateTable('refresh_tokens')
        .set({ created_at: Date.now() - 86_400_000 })
        .where('session_id', 'in', activeSessions)
        .execute();

      await expect.poll(async () => (await server.admin(`/admin/identities/${idle.identityId}`)).status, { timeout: 60_000 }).toBe(404);
      const live = await db
        .selectFrom('notes')
        .select('note_id')
        .where('owner_id', '=', idle.identityId)
        .where('deleted_at', 'is', null)
        .execute();
      expect(live).toEqual([]);
      expect((await server.admin(`/admin/identities/${active.identityId}`)).status).toBe(200);
      expect((await server.admin(`/admin/identities/${account.identityId}`)).status).toBe(200);
    });
  });
});

describe('the OpenAPI document', () => {
  const document = servedOpenApiDocument();
  it('names guest_not_allowed where the guest policy applies, and only there', () => {
    const forbidden = (path: string, method: string) => JSON.stringify(document().paths[path][method].responses['403']);
    expect(forbidden('/v1/notes', 'post')).toContain('guest_not_allowed');
    expect(forbidden('/v1/notes/batch', 'post')).toContain('guest_not_allowed');
    expect(forbidden('/v1/photos', 'post')).toContain('guest_not_allowed');
    expect(forbidden('/v1/search', 'get')).toContain('guest_not_allowed');
    expect(forbidden('/v1/identities/me', 'get')).not.toContain('guest_not_allowed');
  });
});

describe('guest policy settings', () => {
  it('default to what accounts may do, and refuse unknown actions at start', () => {
    const defaults = parseConfig({}).guests;
    expect(defaults).toMatchObject({ maxNotes: 0, lifetimeDays: 0, photoQuotaBytes: parseConfig({}).photoQuotaBytes });
    expect(defaults.allow).toEqual(['notes:read', 'notes:write', 'photos:read', 'photos:write', 'search']);
    expect(parseConfig({ SHOEBOX_GUEST_ALLOW: 'none' }).guests.allow).toEqual([]);
    expect(() => parseConfig({ SHOEBOX_GUEST_ALLOW: 'notes:read,photos:delete' })).toThrow(
      /SHOEBOX_GUEST_ALLOW=.*"photos:delete" is not an action/,
    );
    expect(describeConfig(parseConfig({ SHOEBOX_GUEST_ALLOW: 'search' })).join('\n')).toContain('SHOEBOX_GUEST_ALLOW=search');
  });
});
