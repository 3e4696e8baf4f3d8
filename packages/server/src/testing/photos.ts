import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestEngine } from './engines.js';
import { type ApiClient, json, type TestServer } from './harness.js';
import { asIdentity, bearer, postJson } from './identity.js';
import { breakObjectWrites, bucketFor } from './s3.js';

/** Photo flows through the public API, for the photo suites. */

export interface PhotoOptions {
  readonly contentType?: string;
  readonly visibility?: 'private' | 'public';
}

export const createPhoto = (server: ApiClient, token: string, body: unknown) => postJson(server, '/v1/photos', body, bearer(token));

export const getPhoto = (server: ApiClient, token: string, photoId: string) => asIdentity(server, token, `/v1/photos/${photoId}`);

export const completePhoto = (server: ApiClient, token: string, photoId: string) =>
  asIdentity(server, token, `/v1/photos/${photoId}/complete`, { method: 'POST' });

/** Creates a photo for `bytes` and answers the 201 body (photo and upload). */
export async function created(server: ApiClient, token: string, bytes: Buffer, options: PhotoOptions = {}): Promise<any> {
  const response = await createPhoto(server, token, {
    contentType: options.contentType ?? 'image/jpeg',
    contentLength: bytes.length,
    ...(options.visibility && { visibility: options.visibility }),
  });
  expect(response.status).toBe(201);
  return json(response);
}

/** PUTs bytes to a signed upload, as a device does. */
export const putUpload = (
  upload: { url: string; headers: Record<string, string> },
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string> = {},
) =>
  fetch(upload.url, {
    method: 'PUT',
    headers: { ...upload.headers, ...headers },
    body,
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  });

/** A body that arrives in pieces, like a slow device: `send()` sends one, `end()` finishes. */
export function trickle() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
  return { stream, send: (bytes: Uint8Array) => controller.enqueue(bytes), end: () => controller.close() };
}

/** Create, upload and complete, as a device does: the photo as `complete` answers it. */
export async function uploaded(server: ApiClient, token: string, bytes: Buffer, options: PhotoOptions = {}): Promise<any> {
  const photo = await created(server, token, bytes, options);
  expect((await putUpload(photo.upload, bytes)).ok).toBe(true);
  const completed = await completePhoto(server, token, photo.photoId);
  expect(completed.status).toBe(200);
  return json(completed);
}

/** Create, upload, complete and wait until processed: the photo as its owner sees it then. */
export async function uploadPhoto(server: ApiClient, token: string, bytes: Buffer, options: PhotoOptions = {}): Promise<any> {
  return waitForPhoto(server, token, (await uploaded(server, token, bytes, options)).photoId);
}

/** Polls the photo until it leaves `processing` (the processor works after the upload commits). */
export async function waitForPhoto(server: ApiClient, token: string, photoId: string): Promise<any> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const response = await getPhoto(server, token, photoId);
    expect(response.status).toBe(200);
    const photo = await json(response);
    if (photo.status === 'ready' || photo.status === 'failed') return photo;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`photo ${photoId} was not processed in time`);
}

/** The blobs stored for a photo, on whichever blob store the server uses. */
export async function storedBlobs(server: TestServer, photoId: string): Promise<string[]> {
  const names = ['display', 'original', 'thumb', 'upload'];
  const found = await Promise.all(names.map((name) => server.server.shoebox.photos.blobs.head(`photos/${photoId}/${name}`)));
  return names.filter((_, index) => found[index] !== undefined);
}

/** How many bytes are stored for a photo, every blob counted, on whichever blob store the server uses. */
export async function storedSize(server: TestServer, photoId: string): Promise<number> {
  const names = ['display', 'original', 'thumb', 'upload'];
  const found = await Promise.all(names.map((name) => server.server.shoebox.photos.blobs.head(`photos/${photoId}/${name}`)));
  return found.reduce((sum, info) => sum + (info?.size ?? 0), 0);
}

/**
 * Makes the server's blob store fail every write of one blob of a photo until the returned
 * function is called: a lasting storage failure, as a broken disk or bucket would cause. On the
 * filesystem a folder stands where the file would be renamed to; on S3 see breakObjectWrites.
 */
export async function breakBlobWrites(
  server: TestServer,
  engine: TestEngine,
  photoId: string,
  name: 'thumb' | 'display',
): Promise<() => Promise<void>> {
  if (!keepsBlobsInFiles(engine)) return breakObjectWrites(bucketFor(server.dataDir), `photos/${photoId}/${name}`);
  const path = join(server.dataDir, 'blobs', 'photos', photoId, name);
  mkdirSync(path, { recursive: true });
  return async () => rmSync(path, { recursive: true, force: true });
}

/** Whether the engine keeps blobs in files, whose signed URLs are Shoebox's own routes (blob/fs-routes.ts). */
const keepsBlobsInFiles = (engine: TestEngine): boolean => engine.blobs === 'files';

/**
 * Whether uploads go through Shoebox's own signed-URL route (the filesystem store's stand-in for a
 * presigned PUT). On S3 the bucket takes the PUT; `complete` checks the object on both.
 */
export const uploadsThroughShoebox = keepsBlobsInFiles;

/**
 * Whether downloads go through Shoebox's own signed-URL route, with its CDN-like headers, ranges
 * and conditional requests. On S3 the bucket answers presigned GETs itself.
 */
export const downloadsThroughShoebox = keepsBlobsInFiles;

/** The files stored for a photo on the filesystem blob store. */
export function photoFiles(server: TestServer, photoId: string): string[] {
  const folder = join(server.dataDir, 'blobs', 'photos', photoId);
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

/** Temporary upload files: none may be left after a refused upload. */
export const tempFiles = (server: TestServer): string[] => readdirSync(join(server.dataDir, 'blobs', '.tmp'));
