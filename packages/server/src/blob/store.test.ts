import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Url } from '../config/s3-location.js';
import { tempDir } from '../testing/harness.js';
import { blobUrlFor, bucketFor, createBucket, removeBucket } from '../testing/s3.js';
import { FsBlobStore } from './fs-store.js';
import { S3BlobStore } from './s3-store.js';
import { BlobChangedError, type BlobStore, blobKey } from './store.js';
import { UrlSigner } from './url-signer.js';

/** One conformance suite for every blob store implementation. */
interface StoreUnderTest {
  readonly name: string;
  open(): Promise<{ store: BlobStore; root?: string; close(): Promise<void> }>;
}

const signer = new UrlSigner(randomBytes(32));

const stores: StoreUnderTest[] = [
  {
    name: 'filesystem',
    async open() {
      const root = tempDir('shoebox-blobs-');
      const store = await FsBlobStore.open(root, signer, () => 'http://127.0.0.1:1');
      return { store, root, close: async () => rmSync(root, { recursive: true, force: true }) };
    },
  },
  {
    // A local S3 server (s3rver) on loopback: needs no outside service, so it always runs.
    name: 's3',
    async open() {
      const bucket = bucketFor(randomUUID());
      await createBucket(bucket);
      const store = await S3BlobStore.open(parseS3Url(await blobUrlFor(bucket)));
      return {
        store,
        async close() {
          store.close();
          await removeBucket(bucket);
        },
      };
    },
  },
];

const body = (value: string | Buffer) => Readable.from([Buffer.from(value)]);
const read = async (store: BlobStore, key: string, range?: { start: number; end: number }, ifMatch?: string) => {
  const found = await store.get(key, { range, ifMatch });
  return found && { info: found.info, text: await text(found.body) };
};
const put = (store: BlobStore, key: string, value: string | Buffer, maxBytes = 1024 * 1024) =>
  store.put(key, body(value), { maxBytes, contentType: 'image/jpeg' });

describe.each(stores)('blob store ($name)', (implementation) => {
  let store: BlobStore;
  let root: string | undefined;
  let close: () => Promise<void>;
  let n = 0;
  const freshKey = () => blobKey('photos', `pho_test${++n}`, 'original');

  beforeAll(async () => {
    ({ store, root, close } = await implementation.open());
  });
  afterAll(() => close());

  it('stores, reads back, heads and deletes an object', async () => {
    const key = freshKey();
    const info = await put(store, key, 'hello blob');
    expect(info.size).toBe(10);
    expect(info.etag).toMatch(/^"[^"]+"$/);
    expect(await read(store, key)).toMatchObject({ text: 'hello blob', info: { size: 10, etag: info.etag } });
    expect(await store.head(key)).toMatchObject({ size: 10, etag: info.etag });
    await store.delete(key);
    expect(await store.head(key)).toBeUndefined();
    expect(await store.get(key)).toBeUndefined();
  });

  it('reads byte ranges, both ends inclusive', async () => {
    const key = freshKey();
    await put(store, key, '0123456789');
    expect((await read(store, key, { start: 2, end: 5 }))?.text).toBe('2345');
    expect((await read(store, key, { start: 9, end: 9 }))?.text).toBe('9');
  });

  it('changes the ETag when the bytes are replaced', async () => {
    const key = freshKey();
    const first = await put(store, key, 'first');
    const second = await put(store, key, 'second');
    expect(second.etag).not.toBe(first.etag);
    expect((await read(store, key))?.text).toBe('second');
  });

  it('reads only the version asked for', async () => {
    const key = freshKey();
    const first = await put(store, key, 'first');
    expect((await read(store, key, undefined, first.etag))?.text).toBe('first');
    await put(store, key, 'second');
    await expect(store.get(key, { ifMatch: first.etag })).rejects.toBeInstanceOf(BlobChangedError);
    await expect(store.get(key, { range: { start: 0, end: 1 }, ifMatch: first.etag })).rejects.toBeInstanceOf(BlobChangedError);
  });

  it('copies an object to another key, and nothing from a missing one', async () => {
    const [from, to] = [freshKey(), freshKey()];
    await put(store, from, 'copied bytes');
    await put(store, to, 'overwritten');
    expect(await store.copy(from, to)).toBe(true);
    expect((await read(store, to))?.text).toBe('copied bytes');
    expect((await read(store, from))?.text).toBe('copied bytes');
    // The copy stands on its own: replacing or deleting the source leaves it as it was.
    await put(store, from, 'replaced');
    expect((await read(store, to))?.text).toBe('copied bytes');
    await store.delete(from);
    expect((await read(store, to))?.text).toBe('copied bytes');
    const missing = freshKey();
    expect(await store.copy(missing, to)).toBe(false);
    expect((await read(store, to))?.text).toBe('copied bytes');
    if (root) expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('treats deleting a missing object as done', async () => {
    await expect(store.delete(freshKey())).resolves.toBeUndefined();
  });

  it('refuses a body over maxBytes and keeps nothing, not even a temporary file', async () => {
    const key = freshKey();
    await expect(put(store, key, 'x'.repeat(101), 100)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await store.head(key)).toBeUndefined();
    if (root) expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('keeps the previous object when a replacement fails halfway', async () => {
    const key = freshKey();
    await put(store, key, 'intact');
    const failing = new PassThrough();
    const attempt = store.put(key, failing, { maxBytes: 1000, contentType: 'image/jpeg' });
    failing.write('half of a ');
    // While the new bytes are still arriving, readers see the old object whole.
    expect((await read(store, key))?.text).toBe('intact');
    failing.destroy(new Error('connection lost'));
    await expect(attempt).rejects.toThrow('connection lost');
    expect((await read(store, key))?.text).toBe('intact');
  });

  it.each([
    '../outside',
    'photos/../../etc/passwd',
    'photos/..',
    'photos/.',
    'photos/%2e%2e/x',
    'photos\\..\\..\\x',
    'photos/a\0b',
    '/etc/passwd',
    'photos//x',
    'photos/x/',
    'single',
    '',
    'photos/C:\\windows',
  ])('refuses the unsafe key %j in every operation', async (key) => {
    await expect(store.put(key, body('x'), { maxBytes: 10, contentType: 'image/jpeg' })).rejects.toThrow(/unsafe blob key/);
    await expect(store.get(key)).rejects.toThrow(/unsafe blob key/);
    await expect(store.head(key)).rejects.toThrow(/unsafe blob key/);
    await expect(store.copy(key, 'photos/pho_a/original')).rejects.toThrow(/unsafe blob key/);
    await expect(store.copy('photos/pho_a/original', key)).rejects.toThrow(/unsafe blob key/);
    await expect(store.delete(key)).rejects.toThrow(/unsafe blob key/);
    await expect(store.signDownload(key, { contentType: 'image/jpeg', cache: 'private', expiresAt: new Date() })).rejects.toThrow(
      /unsafe blob key/,
    );
  });

  it('signs upload and download URLs for a key', async () => {
    const key = freshKey();
    const expiresAt = new Date(Date.now() + 60_000);
    const upload = await store.signUpload(key, { contentType: 'image/png', contentLength: 42, expiresAt });
    expect(upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png' }, expiresAt });
    expect(upload.url).toMatch(/^https?:\/\//);
    const download = await store.signDownload(key, { contentType: 'image/png', cache: 'private', expiresAt });
    expect(download).toMatch(/^https?:\/\//);
    expect(download).not.toBe(upload.url);
  });
});

describe('filesystem blob store', () => {
  it('removes the folders a deleted key leaves empty, and nothing above its root', async () => {
    const root = tempDir('shoebox-blobs-');
    try {
      const store = await FsBlobStore.open(root, signer, () => 'http://127.0.0.1:1');
      await put(store, 'photos/pho_a/thumb', 'a');
      await put(store, 'photos/pho_a/display', 'b');
      await store.delete('photos/pho_a/thumb');
      expect(readdirSync(join(root, 'photos', 'pho_a'))).toEqual(['display']);
      await store.delete('photos/pho_a/display');
      expect(readdirSync(root)).toEqual(['.tmp']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
