import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describeS3Location, type S3Location } from '../config/s3-location.js';
import { ByteLimit } from './byte-limit.js';
import { s3ClientFor } from './s3-client.js';
import {
  assertBlobKey,
  BlobChangedError,
  type BlobInfo,
  type BlobStore,
  cacheControlFor,
  type PutOptions,
  type ReadOptions,
  type SignedDownloadOptions,
  type SignedRequest,
  type SignedUploadOptions,
} from './store.js';

/** The longest a presigned URL may work (SigV4's limit). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export class BucketUnavailableError extends Error {}

/**
 * The scale-out blob store: one object per key in an S3-compatible bucket, under the location's
 * prefix. Devices PUT and GET through presigned URLs straight to the bucket; Shoebox itself only
 * heads, reads (to check an upload and make variants), writes variants and deletes.
 */
export class S3BlobStore implements BlobStore {
  private constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
  ) {}

  /** Connects and checks the bucket exists and answers (HeadBucket): a bad configuration fails at start. */
  static async open(location: S3Location): Promise<S3BlobStore> {
    const client = s3ClientFor(location, {
      maxAttempts: 3,
      // A store that stops answering fails the call (and the photo's change is retried) instead of
      // hanging it: the socket may stay silent 30 s at most, connecting may take 5 s.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    });
    try {
      await client.send(new HeadBucketCommand({ Bucket: location.bucket }));
    } catch (error) {
      client.destroy();
      const status = (error as S3ServiceException).$metadata?.httpStatusCode;
      const reason =
        status === 404
          ? 'the bucket does not exist; create it first'
          : status === 403 || status === 401
            ? 'access denied; check the credentials and the bucket policy'
            : `it cannot be reached (${(error as Error).message || (error as Error).name})`;
      throw new BucketUnavailableError(`Cannot use the blob store ${describeS3Location(location)}: ${reason}.`);
    }
    return new S3BlobStore(client, location);
  }

  /**
   * S3 needs the length of a PutObject body up front, so the body is gathered in memory (at most
   * `maxBytes`, refused beyond that) and sent in one request, which S3 applies atomically. The
   * bodies Shoebox puts are the processor's variants: small.
   */
  async put(key: string, body: Readable, options: PutOptions): Promise<BlobInfo> {
    const objectKey = this.objectKey(key);
    const limit = new ByteLimit(options.maxBytes);
    const [, bytes] = await Promise.all([pipeline(body, limit), buffer(limit)]);
    const result = await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: objectKey,
        Body: bytes,
        ContentType: options.contentType,
        ContentLength: bytes.length,
      }),
    );
    return { size: bytes.length, etag: result.ETag ?? '""', lastModified: new Date() };
  }

  async get(key: string, options: ReadOptions = {}): Promise<{ info: BlobInfo; body: Readable } | undefined> {
    const { range, ifMatch } = options;
    const result = await ifMissing(
      this.client.send(
        new GetObjectCommand({
          Bucket: this.location.bucket,
          Key: this.objectKey(key),
          Range: range && `bytes=${range.start}-${range.end}`,
          IfMatch: ifMatch,
        }),
      ),
    ).catch((error) => {
      throw isPreconditionFailed(error) ? new BlobChangedError(key) : error;
    });
    if (!result) return undefined;
    const body = result.Body as Readable;
    // The response's ETag is that of the bytes it carries; checked too, for stores that ignore If-Match.
    if (ifMatch !== undefined && result.ETag !== ifMatch) {
      body.destroy();
      throw new BlobChangedError(key);
    }
    // A ranged answer states the whole object's size after the slash of Content-Range.
    const size = range ? Number(result.ContentRange?.split('/')[1]) : Number(result.ContentLength);
    return { info: blobInfo(size, result), body };
  }

  /** A server-side copy (CopyObject, up to 5 GB: more than a photo may have). */
  async copy(from: string, to: string): Promise<boolean> {
    const source = `${this.location.bucket}/${this.objectKey(from)}`;
    const copied = await ifMissing(
      this.client.send(new CopyObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(to), CopySource: encodeURI(source) })),
    );
    return copied !== undefined;
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const result = await ifMissing(this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) })));
    return result && blobInfo(Number(result.ContentLength), result);
  }

  /** Idempotent: S3 answers a delete of a missing key with success. */
  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
  }

  /**
   * Content-Type and Content-Length are signed into the URL, so S3 refuses a PUT of another type
   * or size (SignatureDoesNotMatch). So is `If-None-Match: *`: S3 (since 2024) and MinIO refuse a
   * PUT to a key that already holds an object (412), so the URL cannot replace bytes once they
   * arrived; a store that ignores it takes the PUT. Either way Shoebox never serves or processes
   * the key devices PUT to: `complete` copies it to the photo's original and checks that copy.
   */
  async signUpload(key: string, options: SignedUploadOptions): Promise<SignedRequest> {
    const command = new PutObjectCommand({
      Bucket: this.location.bucket,
      Key: this.objectKey(key),
      ContentType: options.contentType,
      ContentLength: options.contentLength,
      IfNoneMatch: '*',
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: secondsUntil(options.expiresAt, new Date()),
      signableHeaders: new Set(['content-type', 'content-length', 'if-none-match']),
    });
    return {
      method: 'PUT',
      url,
      headers: { 'content-type': options.contentType, 'if-none-match': '*' },
      expiresAt: options.expiresAt,
    };
  }

  /** The bucket answers the presigned URLs itself: nothing to mount. */
  async mount(): Promise<void> {}

  /**
   * A presigned GET whose response carries the photo's type and caching headers. The signing
   * time is derived from `expiresAt`, so every call for the same key and expiry gives the same
   * URL (devices and caches can reuse what they fetched). A private response may be cached until
   * the URL expires (Expires), never longer.
   */
  async signDownload(key: string, options: SignedDownloadOptions): Promise<string> {
    const signingDate = new Date(options.expiresAt.getTime() - MAX_PRESIGN_SECONDS * 1000);
    const command = new GetObjectCommand({
      Bucket: this.location.bucket,
      Key: this.objectKey(key),
      ResponseContentType: options.contentType,
      ...(options.cache === 'immutable'
        ? { ResponseCacheControl: cacheControlFor('immutable', options.expiresAt) }
        : { ResponseCacheControl: 'private', ResponseExpires: options.expiresAt }),
    });
    return getSignedUrl(this.client, command, { signingDate, expiresIn: MAX_PRESIGN_SECONDS });
  }

  /**
   * Deletes the objects under the prefix whose keys (after the prefix) `owns` claims; anything
   * else in the bucket is left alone. Answers how many were removed.
   */
  async deleteOwned(owns: (key: string) => boolean, onBatch: (keys: readonly string[]) => void = () => {}): Promise<number> {
    let removed = 0;
    for await (const keys of this.ownedKeys(owns)) {
      const result = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
      // A batch delete answers 200 even when some keys were refused: those come back as Errors.
      const refused = result.Errors ?? [];
      if (refused.length > 0) {
        throw new Error(
          `The blob store ${this.describe()} refused to delete ${refused.length} object(s), e.g. ${refused[0]?.Key}: ${refused[0]?.Code} ${refused[0]?.Message ?? ''}`.trim(),
        );
      }
      onBatch(keys);
      removed += keys.length;
    }
    return removed;
  }

  /** How many objects under the prefix `owns` claims, for `shoebox destroy` to say what it removes. */
  async countOwned(owns: (key: string) => boolean): Promise<number> {
    let count = 0;
    for await (const keys of this.ownedKeys(owns)) count += keys.length;
    return count;
  }

  describe(): string {
    return describeS3Location(this.location);
  }

  close(): void {
    this.client.destroy();
  }

  private async *ownedKeys(owns: (key: string) => boolean): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.location.prefix, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? [])
        .map((object) => object.Key ?? '')
        .filter((objectKey) => owns(objectKey.slice(this.location.prefix.length)));
      if (keys.length > 0) yield keys;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.location.prefix + key;
  }
}

/** What an object's metadata says of it; a store that leaves ETag or Last-Modified out gets neutral values. */
const blobInfo = (size: number, meta: { ETag?: string; LastModified?: Date }): BlobInfo => ({
  size,
  etag: meta.ETag ?? '""',
  lastModified: meta.LastModified ?? new Date(0),
});

const secondsUntil = (at: Date, now: Date) => Math.min(MAX_PRESIGN_SECONDS, Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000)));

const isPreconditionFailed = (error: unknown): boolean =>
  error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 412 || error.name === 'PreconditionFailed');

/** The answer, or undefined when S3 says the object does not exist. */
async function ifMissing<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey')) return undefined;
    throw error;
  }
}
