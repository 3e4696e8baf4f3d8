import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/**
 * Where photo bytes live, behind one interface: the filesystem (embedded) or an S3-compatible
 * bucket (scale-out). Keys are always made by the server (see `blobKey`), never taken from a
 * request, and every implementation refuses a key that does not have the safe shape.
 *
 * Devices move bytes with signed URLs, like S3 presigned URLs: the server signs a short-lived
 * request for one key and one method; the device talks to the URL directly. On S3 that URL is
 * the bucket; on the filesystem it is a Shoebox route that verifies the token and behaves as a
 * presigned URL does (blob/fs-routes.ts), so what signs URLs never asks which store it has.
 */
export interface BlobStore {
  /**
   * Stores `body` under `key`, replacing any previous object atomically: readers see the old
   * object or the whole new one, never a part. Fails with `payload_too_large` (and stores
   * nothing) once more than `maxBytes` arrive; any error in `body` also stores nothing.
   */
  put(key: string, body: Readable, options: PutOptions): Promise<BlobInfo>;
  /**
   * The object (or the bytes `options.range` names, both ends inclusive), or undefined when there
   * is none. With `options.ifMatch`, only that version: another one fails with BlobChangedError
   * and no byte of it is answered. `info` always describes the version whose bytes `body` has.
   */
  get(key: string, options?: ReadOptions): Promise<{ info: BlobInfo; body: Readable } | undefined>;
  /**
   * The path of the file holding the object, for stores that keep objects as files; undefined for
   * the others. Native code (libvips) can then read it without the bytes passing through memory.
   * The file may be replaced (never changed in place) at any time: `head` before and after a read
   * tells whether it read one version.
   */
  localPath?(key: string): string | undefined;
  /** Size and validators of the object, or undefined when there is none. */
  head(key: string): Promise<BlobInfo | undefined>;
  /**
   * Stores a copy of the object at `from` under `to`, replacing `to` atomically as `put` does,
   * without the bytes passing through Shoebox where the store can copy by itself. Answers false
   * (and copies nothing) when there is no object at `from`.
   */
  copy(from: string, to: string): Promise<boolean>;
  /** Removes the object. Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** A URL the device PUTs the bytes to, valid until `expiresAt`. */
  signUpload(key: string, options: SignedUploadOptions): Promise<SignedRequest>;
  /** A URL that answers GET and HEAD for the object until `expiresAt`, with the given response headers. */
  signDownload(key: string, options: SignedDownloadOptions): Promise<string>;
  /** Mounts the routes the store's signed URLs point to when Shoebox serves them itself (the filesystem); S3 serves its own. */
  mount(app: FastifyInstance): Promise<void>;
}

export interface PutOptions {
  readonly maxBytes: number;
  readonly contentType: string;
}

export interface BlobInfo {
  readonly size: number;
  /** A strong validator, quoted as in an ETag header: it changes whenever the bytes do. */
  readonly etag: string;
  readonly lastModified: Date;
}

export interface ReadOptions {
  readonly range?: ByteRange;
  /** The ETag (as BlobInfo states it) the object must still have. */
  readonly ifMatch?: string;
}

/** The object is no longer the version a read asked for (`ReadOptions.ifMatch`). */
export class BlobChangedError extends Error {
  constructor(key: string) {
    super(`The blob ${key} is no longer the version asked for.`);
  }
}

export interface ByteRange {
  readonly start: number;
  /** Inclusive, as in HTTP. */
  readonly end: number;
}

export interface SignedUploadOptions {
  readonly contentType: string;
  /** The exact number of bytes the device declared; the store refuses more. */
  readonly contentLength: number;
  readonly expiresAt: Date;
}

/**
 * How a response may be cached. `private`: by the device only, and never past the URL's expiry.
 * `immutable`: by anyone, for a year (the bytes under the key never change).
 */
export type CachePolicy = 'private' | 'immutable';

export interface SignedDownloadOptions {
  readonly contentType: string;
  readonly cache: CachePolicy;
  readonly expiresAt: Date;
}

/** What a device needs to send the bytes: method, URL and the headers it must send with them. */
export interface SignedRequest {
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly expiresAt: Date;
}

/**
 * Segments of a key: a lowercase namespace, then ids and names made only of letters, digits, `_`
 * and `-`. No dots, slashes, backslashes or NULs can appear inside a segment, so no key can
 * climb out of the store's folder or name an absolute path.
 */
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SEGMENTS = 6;

/** Builds a key from server-made parts, e.g. `blobKey('photos', photoId, 'thumb')`. */
export function blobKey(...segments: string[]): string {
  const key = segments.join('/');
  assertBlobKey(key);
  return key;
}

/**
 * Throws unless `key` has the safe shape. Stores call it on every key they receive: keys are made
 * by the server, so a failure here is a bug upstream, reported as an internal error, never served.
 */
export function assertBlobKey(key: string): void {
  const segments = key.split('/');
  if (segments.length < 2 || segments.length > MAX_SEGMENTS || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new UnsafeBlobKeyError(key);
  }
}

export class UnsafeBlobKeyError extends Error {
  constructor(key: string) {
    super(`Refusing the unsafe blob key ${JSON.stringify(key.slice(0, 200))}`);
  }
}

export const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The Cache-Control value for a policy, `now` being when the response is sent. */
export function cacheControlFor(cache: CachePolicy, expiresAt: Date, now = Date.now()): string {
  if (cache === 'immutable') return `public, max-age=${ONE_YEAR_SECONDS}, immutable`;
  return `private, max-age=${Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000))}`;
}
