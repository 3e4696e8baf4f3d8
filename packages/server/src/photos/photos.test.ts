import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, ROOMY_PLAN } from '../testing/identity.js';
import { image, phoneJpeg, pixelAt } from '../testing/images.js';
import {
  completePhoto,
  created,
  createPhoto,
  getPhoto,
  putUpload,
  storedBlobs,
  uploaded,
  uploadPhoto,
  waitForPhoto,
} from '../testing/photos.js';

const MAX_BYTES = 2 * 1024 * 1024;
const QUOTA_BYTES = 3 * 1024 * 1024;

describe.each(engines)('photos ($name)', (engine) => {
  let server: TestServer;
  let token: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestServer({
      engine,
      env: { ...ROOMY_PLAN, SHOEBOX_PHOTO_MAX_BYTES: String(MAX_BYTES), SHOEBOX_PHOTO_QUOTA_BYTES: String(QUOTA_BYTES) },
    });
    token = (await createGuest(server)).accessToken;
    other = (await createGuest(server)).accessToken;
  });
  afterAll(() => server.stop());

  const list = async (as: string, query = '') => {
    const response = await asIdentity(server, as, `/v1/photos${query}`);
    expect(response.status).toBe(200);
    return json(response);
  };

  it('uploads a phone photo straight to storage and serves it oriented and without metadata', async () => {
    const bytes = await phoneJpeg();
    const photo = await created(server, token, bytes);
    expect(photo).toMatchObject({ status: 'pending', visibility: 'private', contentType: 'image/jpeg', bytes: bytes.length, variants: {} });
    expect(photo.photoId).toMatch(/^pho_/);
    expect(photo.original).toBeUndefined();
    expect(photo.upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/jpeg' } });
    expect(Date.parse(photo.upload.expiresAt)).toBeGreaterThan(Date.now());

    const put = await putUpload(photo.upload, bytes);
    expect(put.ok).toBe(true);
    expect(put.headers.get('etag')).toMatch(/^"/);
    const completed = await completePhoto(server, token, photo.photoId);
    expect(completed.status).toBe(200);
    expect(['processing', 'ready']).toContain((await json(completed)).status);

    const ready = await waitForPhoto(server, token, photo.photoId);
    expect(ready).toMatchObject({ status: 'ready', width: 200, height: 300, failureReason: null });
    expect(ready.variants.thumb).toMatchObject({ width: 171, height: 256, contentType: 'image/jpeg' });
    expect(ready.variants.display).toMatchObject({ width: 200, height: 300, contentType: 'image/jpeg' });
    expect(ready.variants.thumb.publicUrl).toBeUndefined();

    for (const variant of [ready.variants.thumb, ready.variants.display]) {
      const response = await fetch(variant.url);
      expect(response.status).toBe(200);
      const served = Buffer.from(await response.arrayBuffer());
      expect(served.length).toBe(variant.bytes);
      const metadata = await sharp(served).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width: variant.width, height: variant.height });
      expect([metadata.exif, metadata.xmp, metadata.iptc, metadata.orientation]).toEqual([undefined, undefined, undefined, undefined]);
      expect(served.includes('ShoeboxCam')).toBe(false);
      expect((await pixelAt(served, Math.floor(variant.width / 2), 2)).r).toBeGreaterThan(150);
    }
    // The owner gets the original back byte for byte, metadata and all.
    expect(ready.original).toMatchObject({ bytes: bytes.length, contentType: 'image/jpeg' });
    expect(Buffer.from(await (await fetch(ready.original.url)).arrayBuffer()).equals(bytes)).toBe(true);
    expect(await storedBlobs(server, photo.photoId)).toEqual(['display', 'original', 'thumb']);
  });

  it.each([
    { type: 'image/png', format: 'png' },
    { type: 'image/webp', format: 'webp' },
    { type: 'image/avif', format: 'avif' },
  ] as const)('accepts $type', async ({ type, format }) => {
    const ready = await uploadPhoto(server, token, await image(format, 640, 480), { contentType: type });
    expect(ready).toMatchObject({
      status: 'ready',
      contentType: type,
      width: 640,
      height: 480,
      variants: { thumb: { width: 256, height: 192 } },
    });
  });

  it('completes idempotently, and not before the bytes arrived', async () => {
    const bytes = await phoneJpeg();
    const photo = await created(server, token, bytes);
    await expectProblem(await completePhoto(server, token, photo.photoId), 409, 'upload_missing');
    expect((await json(await getPhoto(server, token, photo.photoId))).status).toBe('pending');
    expect((await putUpload(photo.upload, bytes)).ok).toBe(true);
    const first = await json(await completePhoto(server, token, photo.photoId));
    const again = await completePhoto(server, token, photo.photoId);
    expect(again.status).toBe(200);
    expect((await json(again)).photoId).toBe(first.photoId);
  });

  // Bytes are judged by their content when the photo is completed, on every blob store.
  it.each<{ name: string; body: () => Promise<Buffer> }>([
    { name: 'PNG bytes declared as JPEG', body: () => image('png', 40, 40) },
    { name: 'an HTML page', body: async () => Buffer.from(`<!doctype html><script>alert(1)</script>${' '.repeat(2000)}`) },
    {
      name: 'an SVG',
      body: async () => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>${' '.repeat(2000)}`),
    },
    { name: 'random bytes', body: async () => Buffer.alloc(2000, 7) },
  ])('refuses to complete $name with 415, keeps none of it, and the URL takes the right bytes', async ({ body }) => {
    const bytes = await body();
    const jpeg = Buffer.concat([await image('jpeg', 40, 40), Buffer.alloc(bytes.length)]).subarray(0, bytes.length);
    expect(jpeg.length).toBe(bytes.length);
    const photo = await created(server, token, bytes);
    expect((await putUpload(photo.upload, bytes)).ok).toBe(true);
    await expectProblem(await completePhoto(server, token, photo.photoId), 415, 'unsupported_media_type');
    expect((await json(await getPhoto(server, token, photo.photoId))).status).toBe('pending');
    expect(await storedBlobs(server, photo.photoId)).toEqual([]);
    expect((await putUpload(photo.upload, jpeg)).ok).toBe(true);
    expect((await completePhoto(server, token, photo.photoId)).status).toBe(200);
  });

  it("lists the caller's photos newest first, a page at a time", async () => {
    const owner = (await createGuest(server)).accessToken;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await created(server, owner, await phoneJpeg())).photoId);
    const first = await list(owner, '?limit=2');
    expect(first.photos.map((p: { photoId: string }) => p.photoId)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(owner, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.photos.map((p: { photoId: string }) => p.photoId)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    expect((await list((await createGuest(server)).accessToken)).photos).toEqual([]);
  });

  it.each([
    { name: 'a cursor that is not one', query: '?cursor=bm90LWEtY3Vyc29y' },
    { name: 'a cursor with a traversal', query: '?cursor=..%2F..%2Fetc' },
    { name: 'a zero limit', query: '?limit=0' },
    { name: 'a limit over 100', query: '?limit=101' },
    { name: 'an unknown parameter', query: '?owner=someone' },
  ])('refuses to list with $name', async ({ query }) => {
    await expectProblem(await asIdentity(server, token, `/v1/photos${query}`), 400, 'validation_failed');
  });

  it('deletes a photo: metadata, every file and every URL', async () => {
    const ready = await uploadPhoto(server, token, await phoneJpeg());
    expect(await storedBlobs(server, ready.photoId)).toEqual(['display', 'original', 'thumb']);
    const deleted = await asIdentity(server, token, `/v1/photos/${ready.photoId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await storedBlobs(server, ready.photoId)).toEqual([]);
    await expectProblem(await getPhoto(server, token, ready.photoId), 404, 'not_found');
    // Signed URLs are the bucket's on S3, which answers its own 404 body.
    expect((await fetch(ready.variants.thumb.url)).status).toBe(404);
    expect((await fetch(ready.original.url)).status).toBe(404);
    await expectProblem(await asIdentity(server, token, `/v1/photos/${ready.photoId}`, { method: 'DELETE' }), 404, 'not_found');
  });

  describe("another identity's attempts", () => {
    let mine: any;
    beforeAll(async () => {
      mine = await uploaded(server, token, await phoneJpeg());
    });

    it.each([
      { name: 'read', request: (id: string) => getPhoto(server, other, id) },
      { name: 'complete', request: (id: string) => completePhoto(server, other, id) },
      { name: 'delete', request: (id: string) => asIdentity(server, other, `/v1/photos/${id}`, { method: 'DELETE' }) },
    ])('to $name a private photo get the same 404 as an unknown id, and change nothing', async ({ request }) => {
      const foreign = await expectProblem(await request(mine.photoId), 404, 'not_found');
      const unknown = await expectProblem(await request('pho_AAAAAAAAAAAAAAAA'), 404, 'not_found');
      expect({ ...foreign, instance: undefined }).toEqual({ ...unknown, instance: undefined });
      expect(await json(await getPhoto(server, token, mine.photoId))).toMatchObject({ photoId: mine.photoId, bytes: mine.bytes });
      expect(await storedBlobs(server, mine.photoId)).toContain('original');
    });

    it('see a public photo, without its original, and not in their list', async () => {
      const shared = await uploadPhoto(server, token, await phoneJpeg(), { visibility: 'public' });
      const seen = await json(await getPhoto(server, other, shared.photoId));
      expect(seen).toMatchObject({ photoId: shared.photoId, visibility: 'public', status: 'ready' });
      expect(seen.original).toBeUndefined();
      expect((await fetch(seen.variants.display.url)).status).toBe(200);
      expect((await list(other)).photos.map((p: { photoId: string }) => p.photoId)).not.toContain(shared.photoId);
      await expectProblem(await asIdentity(server, other, `/v1/photos/${shared.photoId}`, { method: 'DELETE' }), 404, 'not_found');
    });

    it('do not see a public photo before it is ready', async () => {
      const pending = await created(server, token, await phoneJpeg(), { visibility: 'public' });
      await expectProblem(await getPhoto(server, other, pending.photoId), 404, 'not_found');
    });
  });

  it.each([
    { name: 'GIF', body: { contentType: 'image/gif', contentLength: 100 }, status: 415, code: 'unsupported_media_type' },
    { name: 'HTML', body: { contentType: 'text/html', contentLength: 100 }, status: 415, code: 'unsupported_media_type' },
    { name: 'SVG', body: { contentType: 'image/svg+xml', contentLength: 100 }, status: 415, code: 'unsupported_media_type' },
    { name: 'HEIC', body: { contentType: 'image/heic', contentLength: 100 }, status: 415, code: 'unsupported_media_type' },
    {
      name: 'more than the maximum',
      body: { contentType: 'image/jpeg', contentLength: MAX_BYTES + 1 },
      status: 413,
      code: 'payload_too_large',
    },
    { name: 'zero bytes', body: { contentType: 'image/jpeg', contentLength: 0 }, status: 400, code: 'validation_failed' },
    { name: 'a negative length', body: { contentType: 'image/jpeg', contentLength: -1 }, status: 400, code: 'validation_failed' },
    { name: 'a fractional length', body: { contentType: 'image/jpeg', contentLength: 1.5 }, status: 400, code: 'validation_failed' },
    { name: 'a length as a string', body: { contentType: 'image/jpeg', contentLength: '100' }, status: 400, code: 'validation_failed' },
    { name: 'no type', body: { contentLength: 100 }, status: 400, code: 'validation_failed' },
    { name: 'no length', body: { contentType: 'image/jpeg' }, status: 400, code: 'validation_failed' },
    { name: 'a type with a path', body: { contentType: '../../etc/passwd', contentLength: 100 }, status: 400, code: 'validation_failed' },
    {
      name: 'an unknown visibility',
      body: { contentType: 'image/jpeg', contentLength: 100, visibility: 'secret' },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'a client-chosen id',
      body: { contentType: 'image/jpeg', contentLength: 100, photoId: '../x' },
      status: 400,
      code: 'validation_failed',
    },
  ])('refuses to create a photo with $name ($status $code) and keeps nothing', async ({ body, status, code }) => {
    const owner = (await createGuest(server)).accessToken;
    await expectProblem(await createPhoto(server, owner, body), status, code);
    expect((await list(owner)).photos).toEqual([]);
  });

  it('keeps each identity within its storage quota, counting uploads in flight', async () => {
    const owner = (await createGuest(server)).accessToken;
    const big = { contentType: 'image/jpeg', contentLength: MAX_BYTES };
    const first = await createPhoto(server, owner, big);
    expect(first.status).toBe(201);
    const refused = await expectProblem(await createPhoto(server, owner, big), 413, 'storage_quota_exceeded');
    expect(refused).toMatchObject({ usedBytes: MAX_BYTES, quotaBytes: QUOTA_BYTES });
    expect((await list(owner)).photos).toHaveLength(1);
    // Another identity has its own quota; deleting frees the owner's.
    expect((await createPhoto(server, (await createGuest(server)).accessToken, big)).status).toBe(201);
    expect((await asIdentity(server, owner, `/v1/photos/${(await json(first)).photoId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await createPhoto(server, owner, big)).status).toBe(201);
  });

  it.each([
    { name: 'a malformed id', path: '/v1/photos/not-a-photo-id' },
    { name: 'a traversal', path: '/v1/photos/..%2F..%2Fshoebox.sqlite' },
    { name: 'encoded dots', path: '/v1/photos/%2e%2e%2f%2e%2e%2fsecrets' },
    { name: 'backslashes', path: '/v1/photos/..%5C..%5Csecrets' },
    { name: 'a NUL', path: '/v1/photos/pho_AAAAAAAAAAAAAAAA%00' },
    { name: 'an absolute path', path: '/v1/photos/%2Fetc%2Fpasswd' },
  ])('answers $name in a photo id with 400', async ({ path }) => {
    await expectProblem(await asIdentity(server, token, path), 400, 'validation_failed');
    await expectProblem(await asIdentity(server, token, `${path}/complete`, { method: 'POST' }), 400, 'validation_failed');
    await expectProblem(await asIdentity(server, token, path, { method: 'DELETE' }), 400, 'validation_failed');
  });

  it('needs an API key and an identity', async () => {
    await expectProblem(await server.v1('/v1/photos'), 401, 'access_token_missing');
    await expectProblem(await fetch(`${server.url}/v1/photos`, { headers: { authorization: `Bearer ${token}` } }), 401, 'api_key_missing');
  });
});
