import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig, parseConfig } from '../config/config.js';
import { parseS3Url } from '../config/s3-location.js';
import { blobUrlFor, bucketFor, createBucket, removeBucket } from '../testing/s3.js';
import { S3BlobStore } from './s3-store.js';

/** What only the S3 store does; the behaviour it shares with the filesystem store is in store.test.ts. */
describe('S3 blob store', () => {
  const bucket = bucketFor(randomUUID());
  let store: S3BlobStore;
  const key = 'photos/pho_s3test000000001/original';
  const expiresAt = new Date(Date.now() + 600_000);

  beforeAll(async () => {
    await createBucket(bucket);
    store = await S3BlobStore.open(parseS3Url(await blobUrlFor(bucket)));
  });
  afterAll(async () => {
    store.close();
    await removeBucket(bucket);
  });

  it('signs the content type, the length and If-None-Match into upload URLs, so the bucket refuses other types, sizes and overwrites', async () => {
    const upload = await store.signUpload(key, { contentType: 'image/png', contentLength: 5, expiresAt });
    const signed = new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')?.split(';');
    // s3rver does not check V4 signatures, so the signed header list is what is asserted; AWS and MinIO enforce it.
    expect(signed).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host', 'if-none-match']));
    expect(upload.headers).toEqual({ 'content-type': 'image/png', 'if-none-match': '*' });
    expect(new URL(upload.url).searchParams.get('x-amz-checksum-crc32')).toBeNull();
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'abcde' });
    expect(put.ok).toBe(true);
    expect(await store.head(key)).toMatchObject({ size: 5 });
  });

  it('signs download URLs that answer with the type and caching headers, the same URL for the same expiry', async () => {
    const first = await store.signDownload(key, { contentType: 'image/png', cache: 'private', expiresAt });
    expect(await store.signDownload(key, { contentType: 'image/png', cache: 'private', expiresAt })).toBe(first);
    const response = await fetch(first);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toBe('private');
    expect(new Date(response.headers.get('expires') ?? '').getTime()).toBe(Math.floor(expiresAt.getTime() / 1000) * 1000);
    const immutable = await fetch(await store.signDownload(key, { contentType: 'image/png', cache: 'immutable', expiresAt }));
    expect(immutable.headers.get('cache-control')).toMatch(/^public, max-age=\d+, immutable$/);
    const ranged = await fetch(first, { headers: { range: 'bytes=1-2' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('bc');
  });

  it('removes every object it wrote, and only those', async () => {
    await store.put('photos/pho_s3test000000002/thumb', (await import('node:stream')).Readable.from([Buffer.from('x')]), {
      maxBytes: 10,
      contentType: 'image/webp',
    });
    const owns = (objectKey: string) => objectKey.startsWith('photos/');
    expect(await store.countOwned(owns)).toBe(2);
    expect(await store.deleteOwned(owns)).toBe(2);
    expect(await store.countOwned(owns)).toBe(0);
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it('fails at start, saying why, when the bucket does not exist or cannot be reached', async () => {
    const missing = parseS3Url(await blobUrlFor(bucketFor(randomUUID())));
    await expect(S3BlobStore.open(missing)).rejects.toThrow(/the bucket does not exist; create it first/);
    const unreachable = parseS3Url(
      's3://shoebox?endpoint=http://127.0.0.1:1&region=us-east-1&forcePathStyle=true&accessKeyId=a&secretAccessKey=b',
    );
    await expect(S3BlobStore.open(unreachable)).rejects.toThrow(/cannot be reached/);
  });
});

describe('SHOEBOX_BLOB_URL', () => {
  it('takes credentials from the URL or the AWS variables and never prints the secret', () => {
    const config = parseConfig({
      SHOEBOX_BLOB_URL: 's3://photos/app1?region=eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'sekrit-value',
    });
    expect(config.blobStore).toMatchObject({
      bucket: 'photos',
      prefix: 'app1/',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKID' },
    });
    const printed = describeConfig(config).join('\n');
    expect(printed).toContain('SHOEBOX_BLOB_URL=s3://photos/app1/?region=eu-west-1');
    expect(printed).not.toContain('sekrit-value');
    expect(parseConfig({}).blobStore).toBeUndefined();
  });

  it.each([
    ['http://bucket', /expected an s3:\/\//],
    ['s3://B_ad', /not a valid bucket name/],
    ['s3://bucket?endpoint=ftp://x', /endpoint must be an http/],
    ['s3://bucket?forcePathStyle=yes', /forcePathStyle must be true or false/],
    ['s3://bucket?accessKeyId=only', /give both/],
    ['s3://bucket?colour=red', /unknown parameter "colour"/],
  ])('refuses %s at start with a clear line, the value hidden', (raw, message) => {
    expect(() => parseConfig({ SHOEBOX_BLOB_URL: raw })).toThrow(message);
    expect(() => parseConfig({ SHOEBOX_BLOB_URL: raw })).toThrow('SHOEBOX_BLOB_URL=(hidden) is wrong');
  });
});
