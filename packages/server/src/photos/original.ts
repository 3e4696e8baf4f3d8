import { pipeline } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ByteLimit } from '../blob/byte-limit.js';
import { BlobChangedError, type BlobStore } from '../blob/store.js';
import { Problem } from '../errors.js';
import { originalKey, type Photo } from './photo.js';

/**
 * An uploaded original as the image code reads it: a file path or the bytes, and a last check
 * that the read saw only the upload `complete` checked. Or why it cannot be read.
 */
export type Original =
  | { readonly ok: true; readonly input: string | Buffer; readonly unchanged: () => Promise<boolean> }
  | { readonly ok: false; readonly reason: string };

export const CHANGED_ORIGINAL =
  'The stored original is no longer the upload that was completed, so no variants were made from it. Upload the photo again.';
const MISSING = 'The uploaded bytes are missing. Upload the photo again.';
const TOO_LONG = 'The stored bytes are longer than declared. Upload the photo again.';

/**
 * Where the store keeps the original as a file, libvips reads that file itself: the bytes never
 * pass through the JavaScript heap, where a 10 MiB photo would leave the process ~30 MB larger
 * for good and cost a copy through streams. Other stores (S3) hand over the bytes.
 */
export async function readOriginal(blobs: BlobStore, photo: Photo): Promise<Original> {
  const key = originalKey(photo.id);
  const path = blobs.localPath?.(key);
  return path === undefined ? originalBytes(blobs, photo, key) : originalFile(blobs, photo, key, path);
}

/**
 * The file may be replaced (never changed in place) at any time, each version with its own etag.
 * The same etag before and after the read means the path named that one file all along: a file
 * once replaced never comes back, so no other version can have been read in between.
 */
async function originalFile(blobs: BlobStore, photo: Photo, key: string, path: string): Promise<Original> {
  const before = await blobs.head(key);
  if (!before) return { ok: false, reason: MISSING };
  if (photo.originalEtag !== null && before.etag !== photo.originalEtag) return { ok: false, reason: CHANGED_ORIGINAL };
  if (before.size > photo.bytes) return { ok: false, reason: TOO_LONG };
  return { ok: true, input: path, unchanged: async () => (await blobs.head(key))?.etag === before.etag };
}

async function originalBytes(blobs: BlobStore, photo: Photo, key: string): Promise<Original> {
  let found: Awaited<ReturnType<BlobStore['get']>>;
  try {
    // Only the version `complete` checked: the store answers it or refuses, in one read.
    found = await blobs.get(key, { ifMatch: photo.originalEtag ?? undefined });
  } catch (error) {
    if (!(error instanceof BlobChangedError)) throw error;
    return { ok: false, reason: CHANGED_ORIGINAL };
  }
  if (!found) return { ok: false, reason: MISSING };
  try {
    const input = await buffer(pipeline(found.body, new ByteLimit(photo.bytes), () => {}));
    return { ok: true, input, unchanged: async () => true };
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return { ok: false, reason: TOO_LONG };
  }
}
