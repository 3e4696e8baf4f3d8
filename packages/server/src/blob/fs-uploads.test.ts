import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { createGuest, expectProblem, ROOMY_PLAN } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import {
  completePhoto,
  created,
  getPhoto,
  photoFiles,
  putUpload,
  tempFiles,
  trickle,
  uploaded,
  uploadsThroughShoebox,
} from '../testing/photos.js';
import { UrlSigner } from './url-signer.js';

const MIB = 1024 * 1024;

/** Sends a request with the path exactly as written (fetch would normalise `..` away). */
const rawRequest = (url: string, path: string, method = 'GET') =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const request = httpRequest({ hostname, port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });

// The filesystem store's own upload route, which behaves as an S3 presigned PUT does: exactly the
// signed type and length, never over an upload already made. Checking the bytes is `complete`'s
// work on every store (photos/photos.test.ts).
describe.each(engines.filter(uploadsThroughShoebox))('signed uploads to the filesystem store ($name)', (engine) => {
  let server: TestServer;
  let token: string;
  let jpeg: Buffer;
  /** Signs like the server does, with its key from the data folder. */
  let serverSigner: UrlSigner;

  beforeAll(async () => {
    server = await startTestServer({
      engine,
      env: { ...ROOMY_PLAN, SHOEBOX_PHOTO_MAX_BYTES: String(256 * MIB), SHOEBOX_PHOTO_QUOTA_BYTES: String(4096 * MIB) },
    });
    token = (await createGuest(server)).accessToken;
    jpeg = await phoneJpeg();
    serverSigner = new UrlSigner(Buffer.from(readFileSync(join(server.dataDir, 'secrets', 'blob-url-signing.key'), 'utf8').trim(), 'hex'));
  });
  afterAll(() => server.stop());

  /** Asserts that a refused upload left the photo pending with no file, not even a temporary one. */
  const expectNothingKept = async (photoId: string) => {
    expect((await json(await getPhoto(server, token, photoId))).status).toBe('pending');
    expect(photoFiles(server, photoId)).toEqual([]);
    // The processor writes variants of earlier photos through temporary files too: wait for it.
    await until(async () => tempFiles(server).length === 0);
  };
  const tokenOf = (url: string) => url.slice(url.indexOf('/blobs/') + '/blobs/'.length);

  it('takes one upload: the URL never replaces bytes already uploaded', async () => {
    const photo = await created(server, token, jpeg);
    expect((await putUpload(photo.upload, jpeg)).status).toBe(204);
    await expectProblem(await putUpload(photo.upload, Buffer.alloc(jpeg.length)), 403, 'signed_url_used');
    expect((await completePhoto(server, token, photo.photoId)).status).toBe(200);
  });

  it.each([
    { name: 'a changed character in the token', url: (url: string) => url.replace(/.(?=.{10}$)/, (c) => (c === 'A' ? 'B' : 'A')) },
    {
      name: 'another photo named in the token',
      url: (url: string, other: string) => {
        const [payload, mac] = tokenOf(url).split('.');
        const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
        const otherKey = JSON.parse(Buffer.from(tokenOf(other).split('.')[0] ?? '', 'base64url').toString()).k;
        return `${url.slice(0, url.indexOf('/blobs/') + 7)}${Buffer.from(JSON.stringify({ ...claims, k: otherKey })).toString('base64url')}.${mac}`;
      },
    },
    { name: 'a truncated token', url: (url: string) => url.slice(0, -3) },
    { name: 'no token', url: (url: string) => url.slice(0, url.indexOf('/blobs/') + 7) },
  ])('refuses $name with 403 and keeps nothing', async ({ url }) => {
    const photo = await created(server, token, jpeg);
    const other = await created(server, token, jpeg);
    const response = await putUpload({ ...photo.upload, url: url(photo.upload.url, other.upload.url) }, jpeg);
    expect([403, 404]).toContain(response.status);
    if (response.status === 403) expect((await json(response)).code).toBe('signed_url_invalid');
    await expectNothingKept(photo.photoId);
    await expectNothingKept(other.photoId);
  });

  it('refuses an expired URL with 403', async () => {
    const photo = await created(server, token, jpeg);
    const claims = serverSigner.verify(tokenOf(photo.upload.url), 'PUT');
    const expired = serverSigner.sign({ ...claims, expiresAt: new Date(Date.now() - 1000) } as typeof claims);
    await expectProblem(await putUpload({ ...photo.upload, url: `${server.url}/blobs/${expired}` }, jpeg), 403, 'signed_url_expired');
    await expectNothingKept(photo.photoId);
  });

  it('refuses a download URL used for an upload', async () => {
    const photo = await uploaded(server, token, jpeg);
    await expectProblem(
      await putUpload({ url: photo.original.url, headers: { 'content-type': 'image/jpeg' } }, jpeg),
      403,
      'signed_url_invalid',
    );
  });

  it('refuses a declared type other than the signed one with 415 and keeps nothing', async () => {
    const photo = await created(server, token, jpeg);
    await expectProblem(await putUpload(photo.upload, jpeg, { 'content-type': 'image/png' }), 415, 'unsupported_media_type');
    await expectNothingKept(photo.photoId);
  });

  it('does not use up the URL on a refused upload', async () => {
    const photo = await created(server, token, jpeg);
    await expectProblem(await putUpload(photo.upload, jpeg, { 'content-type': 'text/html' }), 415, 'unsupported_media_type');
    await expectProblem(await putUpload(photo.upload, jpeg.subarray(1)), 400, 'upload_incomplete');
    expect((await putUpload(photo.upload, jpeg)).status).toBe(204);
  });

  it.each([
    { name: 'more bytes than declared', extra: 100, status: 413, code: 'payload_too_large' },
    { name: 'fewer bytes than declared', extra: -100, status: 400, code: 'upload_incomplete' },
  ])('refuses $name, announced or streamed, and keeps nothing', async ({ extra, status, code }) => {
    const photo = await created(server, token, jpeg);
    const body = extra > 0 ? Buffer.concat([jpeg, Buffer.alloc(extra)]) : jpeg.subarray(0, jpeg.length + extra);
    await expectProblem(await putUpload(photo.upload, body), status, code);
    await expectNothingKept(photo.photoId);
    // The same without Content-Length: the bytes are counted as they stream.
    const streamed = trickle();
    const response = putUpload(photo.upload, streamed.stream);
    streamed.send(body);
    streamed.end();
    await expectProblem(await response, status, code);
    await expectNothingKept(photo.photoId);
    expect((await putUpload(photo.upload, jpeg)).status).toBe(204);
  });

  it('keeps nothing of an upload the device gave up halfway, and the URL still works', async () => {
    const photo = await created(server, token, jpeg);
    const halfway = trickle();
    const abort = new AbortController();
    const attempt = fetch(photo.upload.url, {
      method: 'PUT',
      headers: photo.upload.headers,
      body: halfway.stream,
      duplex: 'half',
      signal: abort.signal,
    } as RequestInit);
    halfway.send(jpeg.subarray(0, 1000));
    await until(async () => tempFiles(server).length > 0);
    abort.abort();
    await expect(attempt).rejects.toThrow();
    await expectNothingKept(photo.photoId);
    expect((await putUpload(photo.upload, jpeg)).status).toBe(204);
  });

  it.each([
    '/blobs/../../secrets/blob-url-signing.key',
    '/blobs/..%2F..%2Fsecrets%2Fblob-url-signing.key',
    '/blobs/%2e%2e/%2e%2e/shoebox.sqlite',
    '/blobs/..\\..\\shoebox.sqlite',
    '/blobs/%00',
    '/blobs//etc/passwd',
    '/blobs/photos/pho_AAAAAAAAAAAAAAAA/original',
  ])('never serves or writes a file for the path %s', async (path) => {
    for (const method of ['GET', 'PUT']) {
      const response = await rawRequest(server.url, path, method);
      expect([400, 403, 404]).toContain(response.status);
      expect(response.body).not.toMatch(/SQLite format|root:|^[0-9a-f]{64}$/m);
    }
  });

  it('streams uploads to disk: memory does not grow with their size', async () => {
    const size = 160 * MIB;
    const photo = await created(server, token, Buffer.alloc(size));
    // A real JPEG followed by padding, produced as fast as the server takes it (pull), never all at once.
    let sent = 0;
    const padding = Buffer.alloc(MIB);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = sent === 0 ? jpeg : padding.subarray(0, Math.min(MIB, size - sent));
        sent += piece.length;
        controller.enqueue(piece);
        if (sent >= size) controller.close();
      },
    });
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const response = await putUpload(photo.upload, body);
    clearInterval(sampler);
    expect(response.status).toBe(204);
    expect(peak - before).toBeLessThan(size / 3);
    expect(photoFiles(server, photo.photoId)).toEqual(['upload']);
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in time');
}
