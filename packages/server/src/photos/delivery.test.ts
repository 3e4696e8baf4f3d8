import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UrlSigner } from '../blob/url-signer.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, ROOMY_PLAN } from '../testing/identity.js';
import { image, phoneJpeg } from '../testing/images.js';
import { created, downloadsThroughShoebox, getPhoto, uploadPhoto } from '../testing/photos.js';

describe.each(engines)('photo delivery ($name)', (engine) => {
  let server: TestServer;
  let token: string;
  let privatePhoto: any;
  let publicPhoto: any;
  let thumb: Buffer;

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    token = (await createGuest(server)).accessToken;
    privatePhoto = await uploadPhoto(server, token, await image('jpeg', 1200, 900));
    publicPhoto = await uploadPhoto(server, token, await phoneJpeg(), { visibility: 'public' });
    thumb = Buffer.from(await (await fetch(privatePhoto.variants.thumb.url)).arrayBuffer());
  });
  afterAll(() => server.stop());

  const thumbUrl = () => privatePhoto.variants.thumb.url as string;

  it('answers signed URLs with the bytes, their type and a private caching policy', async () => {
    const response = await fetch(thumbUrl());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('cache-control')).toMatch(/^private/);
    expect(response.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(thumb.length).toBe(privatePhoto.variants.thumb.bytes);
  });

  it('gives the same URL for a while, so caches can reuse what they fetched', async () => {
    const again = await json(await getPhoto(server, token, privatePhoto.photoId));
    expect(again.variants.thumb.url).toBe(privatePhoto.variants.thumb.url);
  });

  // On S3 the bucket answers signed URLs itself; these are the rules of Shoebox's own route.
  describe.runIf(downloadsThroughShoebox(engine))('through Shoebox', () => {
    it('answers GET with the headers of a CDN, and nothing a browser could run', async () => {
      const response = await fetch(thumbUrl());
      expect(response.status).toBe(200);
      const headers = response.headers;
      expect(headers.get('content-type')).toBe('image/jpeg');
      expect(Number(headers.get('content-length'))).toBe(privatePhoto.variants.thumb.bytes);
      expect(headers.get('etag')).toMatch(/^"[^"]+"$/);
      expect(headers.get('last-modified')).toEqual(expect.any(String));
      expect(headers.get('accept-ranges')).toBe('bytes');
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('content-security-policy')).toContain('sandbox');
      expect(headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      // Private: cacheable by the device only, and never beyond the URL's expiry.
      const maxAge = Number(/^private, max-age=(\d+)$/.exec(headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(0);
      expect(maxAge).toBeLessThanOrEqual((Date.parse(privatePhoto.variants.thumb.expiresAt) - Date.now()) / 1000 + 1);
      expect(thumb.length).toBe(privatePhoto.variants.thumb.bytes);
    });

    it('answers HEAD with the same headers and no body', async () => {
      const [get, head] = [await fetch(thumbUrl()), await fetch(thumbUrl(), { method: 'HEAD' })];
      expect(head.status).toBe(200);
      for (const name of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges', 'x-content-type-options']) {
        expect(head.headers.get(name)).toBe(get.headers.get(name));
      }
      // max-age counts down to the URL's expiry, so it may be a second apart.
      expect(head.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    });

    it.each([
      { range: 'bytes=0-99', start: 0, end: 99 },
      { range: 'bytes=100-', start: 100, end: -1 },
      { range: 'bytes=-50', start: -50, end: -1 },
      { range: 'bytes=10-999999', start: 10, end: -1 },
    ])('answers Range $range with 206 and those bytes', async ({ range, start, end }) => {
      const response = await fetch(thumbUrl(), { headers: { range } });
      expect(response.status).toBe(206);
      const first = start < 0 ? thumb.length + start : start;
      const last = end < 0 ? thumb.length - 1 : end;
      expect(response.headers.get('content-range')).toBe(`bytes ${first}-${last}/${thumb.length}`);
      expect(Number(response.headers.get('content-length'))).toBe(last - first + 1);
      expect(Buffer.from(await response.arrayBuffer()).equals(thumb.subarray(first, last + 1))).toBe(true);
    });

    it('answers a range past the end with 416 and the size', async () => {
      const response = await fetch(thumbUrl(), { headers: { range: `bytes=${thumb.length}-` } });
      await expectProblem(response, 416, 'range_not_satisfiable');
      expect(response.headers.get('content-range')).toBe(`bytes */${thumb.length}`);
    });

    it.each<{ name: string; headers: Record<string, string> }>([
      { name: 'several ranges', headers: { range: 'bytes=0-1,5-6' } },
      { name: 'a malformed range', headers: { range: 'bytes=9-2' } },
      { name: 'a range for an older version', headers: { range: 'bytes=0-9', 'if-range': '"old"' } },
    ])('answers $name with the whole image', async ({ headers }) => {
      const response = await fetch(thumbUrl(), { headers });
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(thumb)).toBe(true);
    });

    it('answers a conditional request for the current version with 304', async () => {
      const etag = (await fetch(thumbUrl())).headers.get('etag') ?? '';
      const response = await fetch(thumbUrl(), { headers: { 'if-none-match': etag } });
      expect(response.status).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(response.headers.get('cache-control')).toMatch(/^private/);
      expect((await response.arrayBuffer()).byteLength).toBe(0);
      const lastModified = (await fetch(thumbUrl())).headers.get('last-modified') ?? '';
      expect((await fetch(thumbUrl(), { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
      expect((await fetch(thumbUrl(), { headers: { 'if-none-match': '"something-else"' } })).status).toBe(200);
    });

    it('refuses an expired download URL with 403', async () => {
      const key = Buffer.from(readFileSync(join(server.dataDir, 'secrets', 'blob-url-signing.key'), 'utf8').trim(), 'hex');
      const signer = new UrlSigner(key);
      const token = thumbUrl().slice(thumbUrl().indexOf('/blobs/') + 7);
      const claims = signer.verify(token, 'GET');
      const expired = signer.sign({ ...claims, expiresAt: new Date(Date.now() - 1000) } as typeof claims);
      await expectProblem(await fetch(`${server.url}/blobs/${expired}`), 403, 'signed_url_expired');
    });
  });

  describe('public photos', () => {
    it('are cached by anyone, for a year, under their signed URLs', async () => {
      const response = await fetch(publicPhoto.variants.display.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    });

    it('also have stable unsigned URLs that need no key or token', async () => {
      const url = publicPhoto.variants.thumb.publicUrl as string;
      expect(url).toBe(`${server.url}/public/photos/${publicPhoto.photoId}/thumb`);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const signed = Buffer.from(await (await fetch(publicPhoto.variants.thumb.url)).arrayBuffer());
      expect(Buffer.from(await response.arrayBuffer()).equals(signed)).toBe(true);
      const etag = response.headers.get('etag') ?? '';
      expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect((await fetch(url, { headers: { range: 'bytes=0-9' } })).status).toBe(206);
      expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    });

    it('never expose originals, private photos or photos not yet ready', async () => {
      const pending = await created(server, token, await phoneJpeg(), { visibility: 'public' });
      await expectProblem(await fetch(`${server.url}/public/photos/${publicPhoto.photoId}/original`), 400, 'validation_failed');
      await expectProblem(await fetch(`${server.url}/public/photos/${privatePhoto.photoId}/thumb`), 404, 'not_found');
      await expectProblem(await fetch(`${server.url}/public/photos/${pending.photoId}/thumb`), 404, 'not_found');
      await expectProblem(await fetch(`${server.url}/public/photos/pho_AAAAAAAAAAAAAAAA/thumb`), 404, 'not_found');
    });

    it.each([
      '/public/photos/..%2F..%2Fshoebox.sqlite/thumb',
      '/public/photos/%2e%2e%2f%2e%2e%2fsecrets/display',
      '/public/photos/..%5C..%5Cshoebox.sqlite/thumb',
      '/public/photos/pho_AAAAAAAAAAAAAAAA%00/thumb',
      `/public/photos/PUBLIC/..%2F..%2F..%2Fshoebox.sqlite`,
    ])('refuse the path %s', async (path) => {
      const response = await fetch(`${server.url}${path.replace('PUBLIC', publicPhoto.photoId)}`);
      expect([400, 404]).toContain(response.status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('stop being served once deleted', async () => {
      const gone = await uploadPhoto(server, token, await phoneJpeg(), { visibility: 'public' });
      expect((await fetch(gone.variants.thumb.publicUrl)).status).toBe(200);
      expect((await asIdentity(server, token, `/v1/photos/${gone.photoId}`, { method: 'DELETE' })).status).toBe(204);
      await expectProblem(await fetch(gone.variants.thumb.publicUrl), 404, 'not_found');
    });
  });
});
