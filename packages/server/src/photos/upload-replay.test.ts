import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, ROOMY_PLAN } from '../testing/identity.js';
import { image, phoneJpeg } from '../testing/images.js';
import { completePhoto, created, getPhoto, putUpload, storedBlobs, waitForPhoto } from '../testing/photos.js';

const bytesOf = async (url: string) => {
  const response = await fetch(url);
  return { ok: response.ok, bytes: Buffer.from(await response.arrayBuffer()) };
};

/**
 * A leaked upload URL, replayed once the photo is complete. S3, MinIO and the filesystem store's
 * route refuse it while the uploaded object is there (If-None-Match: *), and a store may take it
 * (s3rver does): what is asserted is the guarantee, not what the store answers. The
 * photo keeps serving and processing the bytes `complete` checked, never the replayed ones.
 */
describe.each(engines)('a replayed upload URL ($name)', (engine) => {
  let server: TestServer;
  let token: string;
  let original: Buffer;
  /** Another image, of exactly the declared length (a JPEG ignores what follows its end). */
  let replacement: Buffer;

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    token = (await createGuest(server)).accessToken;
    original = await phoneJpeg();
    const other = await image('jpeg', 64, 64);
    expect(other.length).toBeLessThan(original.length);
    replacement = Buffer.concat([other, Buffer.alloc(original.length - other.length)]);
  });
  afterAll(() => server.stop());

  /** Create, upload and complete, as a device does: the photo's id and the upload URL it was given. */
  const completed = async () => {
    const { photoId, upload } = await created(server, token, original);
    expect((await putUpload(upload, original)).ok).toBe(true);
    expect((await completePhoto(server, token, photoId)).status).toBe(200);
    return { photoId, upload };
  };

  /** Replays the upload URL with other bytes: the store may refuse it or take it. */
  const replay = async (upload: { url: string; headers: Record<string, string> }) => {
    const response = await putUpload(upload, replacement);
    expect([200, 204, 403, 412]).toContain(response.status);
  };

  /** The original as its owner downloads it. */
  const originalServed = async (photoId: string) => {
    const { ok, bytes } = await bytesOf((await json(await getPhoto(server, token, photoId))).original.url);
    expect(ok).toBe(true);
    return bytes;
  };

  it('before the photo is processed: the variants are made from the checked bytes', async () => {
    const photo = await completed();
    await replay(photo.upload);
    const ready = await waitForPhoto(server, token, photo.photoId);
    expect(ready).toMatchObject({ status: 'ready', width: 200, height: 300 });
    const display = await sharp((await bytesOf(ready.variants.display.url)).bytes).metadata();
    expect([display.width, display.height]).toEqual([200, 300]);
    expect((await originalServed(photo.photoId)).equals(original)).toBe(true);
  });

  it('after the photo is ready: nothing it serves changes, and deleting it leaves nothing behind', async () => {
    const photo = await completed();
    const ready = await waitForPhoto(server, token, photo.photoId);
    const thumb = (await bytesOf(ready.variants.thumb.url)).bytes;
    await replay(photo.upload);

    const after = await json(await getPhoto(server, token, photo.photoId));
    expect(after).toMatchObject({ status: 'ready', width: 200, height: 300, updatedAt: ready.updatedAt });
    expect((await bytesOf(after.variants.thumb.url)).bytes.equals(thumb)).toBe(true);
    expect((await originalServed(photo.photoId)).equals(original)).toBe(true);

    expect((await asIdentity(server, token, `/v1/photos/${photo.photoId}`, { method: 'DELETE' })).status).toBe(204);
    expect(await storedBlobs(server, photo.photoId)).toEqual([]);
  });
});
