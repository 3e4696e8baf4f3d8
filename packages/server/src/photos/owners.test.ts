import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, passwordLogin, ROOMY_PLAN, signUp } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { getPhoto, storedBlobs, uploadPhoto } from '../testing/photos.js';

/** Photos follow their identity: merged guests bring them along, deleted identities take them away. */
describe.each(engines)('photos and identities ($name)', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
  });
  afterAll(() => server.stop());

  it("moves a guest's photos to the account it logs in to", async () => {
    const account = await signUp(server, 'photographer@example.com', 'correct horse');
    const guest = await createGuest(server);
    const photo = await uploadPhoto(server, guest.accessToken, await phoneJpeg());
    const login = await passwordLogin(server, 'photographer@example.com', 'correct horse', guest.accessToken);
    expect(login.status).toBe(200);
    const merged = await json(login);
    expect(merged).toMatchObject({ identityId: account.identityId, mergedFrom: guest.identityId });

    const listed = await json(await asIdentity(server, merged.accessToken, '/v1/photos'));
    expect(listed.photos.map((p: { photoId: string }) => p.photoId)).toEqual([photo.photoId]);
    const mine = await json(await getPhoto(server, merged.accessToken, photo.photoId));
    expect(mine).toMatchObject({ status: 'ready', original: { bytes: photo.bytes } });
    expect(await storedBlobs(server, photo.photoId)).toEqual(['display', 'original', 'thumb']);
  });

  it('lets no photo created while its identity is deleted outlive it, nor its quota row', async () => {
    const db = server.server.shoebox.database.db;
    for (let round = 0; round < 8; round++) {
      const guest = await createGuest(server);
      const creates = Array.from({ length: 6 }, () =>
        asIdentity(server, guest.accessToken, '/v1/photos', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ contentType: 'image/jpeg', contentLength: 1000 }),
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, round));
      const gone = await asIdentity(server, guest.accessToken, '/v1/identities/me', { method: 'DELETE' });
      expect(gone.status).toBe(204);
      for (const response of await Promise.all(creates)) expect([201, 401]).toContain(response.status);
      expect(await db.selectFrom('photos').select('id').where('owner_id', '=', guest.identityId).execute()).toEqual([]);
      expect(await db.selectFrom('photo_owners').selectAll().where('owner_id', '=', guest.identityId).execute()).toEqual([]);
    }
  });

  it("deletes an identity's photos and every file of them with the identity", async () => {
    const guest = await createGuest(server);
    const photos = [
      await uploadPhoto(server, guest.accessToken, await phoneJpeg()),
      await uploadPhoto(server, guest.accessToken, await phoneJpeg(), { visibility: 'public' }),
    ];
    const bystander = await createGuest(server);
    const kept = await uploadPhoto(server, bystander.accessToken, await phoneJpeg());

    expect((await asIdentity(server, guest.accessToken, '/v1/identities/me', { method: 'DELETE' })).status).toBe(204);
    // The files go once the deletion has committed, when the processor handles the REMOVE changes.
    const remaining = async () => (await Promise.all(photos.map((photo) => storedBlobs(server, photo.photoId)))).flat();
    for (let attempt = 0; attempt < 200 && (await remaining()).length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await remaining()).toEqual([]);
    await expectProblem(await fetch(photos[1].variants.thumb.publicUrl), 404, 'not_found');
    await expectProblem(await getPhoto(server, bystander.accessToken, photos[1].photoId), 404, 'not_found');
    expect(await storedBlobs(server, kept.photoId)).toEqual(['display', 'original', 'thumb']);
  });
});

describe('shoebox destroy', () => {
  it('removes the stored photos with everything else', async () => {
    const dataDir = join(tempDir(), 'data');
    const server = await startTestServer({ dataDir, env: ROOMY_PLAN });
    try {
      const guest = await createGuest(server);
      await uploadPhoto(server, guest.accessToken, await phoneJpeg());
    } finally {
      await server.stop();
    }
    expect(existsSync(join(dataDir, 'blobs', 'photos'))).toBe(true);
    const destroyed = await runCli(['destroy', '--yes'], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toContain(join(dataDir, 'blobs'));
    expect(existsSync(dataDir)).toBe(false);
  });
});
