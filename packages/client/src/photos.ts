import type { IdentityCalls } from './api.js';
import { isAbort, ShoeboxError } from './errors.js';
import { type Pages, pages } from './pages.js';
import { sleep } from './transport.js';
import type { NewPhoto, Photo } from './types.js';
import { type Progress, putBytes } from './upload.js';

export interface UploadOptions {
  /** The bytes' type (image/jpeg, image/png, image/webp, image/avif); a Blob's own type by default. */
  readonly contentType?: string;
  readonly visibility?: 'private' | 'public';
  /** Called as bytes are sent. */
  readonly onProgress?: (progress: Progress) => void;
  /** Cancels the upload; a photo cancelled before its bytes were confirmed is deleted. */
  readonly signal?: AbortSignal;
  /** Wait until the variants are made (or processing failed), up to `timeoutMs` (default 60 s). */
  readonly waitUntilReady?: boolean | { readonly timeoutMs: number };
}

const photoPath = (photoId: string) => `/v1/photos/${encodeURIComponent(photoId)}`;
const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** The identity's photos. */
export class Photos {
  constructor(private readonly calls: IdentityCalls) {}

  /**
   * The whole upload: declare the photo, send its bytes to the signed URL, confirm, and
   * optionally wait until it is processed. Answers the photo with its variants' URLs once ready.
   */
  async upload(data: Blob | ArrayBuffer | Uint8Array, options: UploadOptions = {}): Promise<Photo> {
    const body = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const contentType = options.contentType ?? (body instanceof Uint8Array ? undefined : body.type);
    if (!contentType) throw new ShoeboxError('validation_failed', 'Say the content type of the bytes (options.contentType)');
    const contentLength = body instanceof Uint8Array ? body.byteLength : body.size;
    const { signal } = options;
    const { upload, ...created } = await this.calls.body<NewPhoto>({
      method: 'POST',
      path: '/v1/photos',
      body: { contentType, contentLength, ...(options.visibility && { visibility: options.visibility }) },
      signal,
    });
    let photo: Photo;
    try {
      await putBytes(
        { url: upload.url, headers: upload.headers, body, onProgress: options.onProgress, signal },
        this.calls.transport.fetch,
      );
      photo = await this.calls.body<Photo>({ method: 'POST', path: `${photoPath(created.photoId)}/complete`, idempotent: true, signal });
    } catch (error) {
      // Nothing of a photo whose bytes never arrived is worth keeping.
      if (isAbort(error) || error instanceof ShoeboxError) await this.delete(created.photoId).catch(() => undefined);
      throw error;
    }
    if (!options.waitUntilReady) return photo;
    const timeoutMs = options.waitUntilReady === true ? DEFAULT_READY_TIMEOUT_MS : options.waitUntilReady.timeoutMs;
    return this.ready(photo, timeoutMs, signal);
  }

  get(photoId: string, options: { signal?: AbortSignal } = {}): Promise<Photo> {
    return this.calls.body<Photo>({ method: 'GET', path: photoPath(photoId), signal: options.signal });
  }

  /** The photos, newest first, a page at a time. */
  list(options: { limit?: number } = {}): Pages<Photo> {
    return pages(async (cursor) => {
      const page = await this.calls.body<{ photos: Photo[]; nextCursor: string | null }>({
        method: 'GET',
        path: '/v1/photos',
        query: { limit: options.limit, cursor },
      });
      return { items: page.photos, nextCursor: page.nextCursor };
    });
  }

  /** Deletes the photo, its files and its place in notes. */
  async delete(photoId: string): Promise<void> {
    await this.calls.send({ method: 'DELETE', path: photoPath(photoId) });
  }

  /** Polls until processing ends, backing off from 200 ms to 2 s. */
  private async ready(photo: Photo, timeoutMs: number, signal: AbortSignal | undefined): Promise<Photo> {
    const deadline = Date.now() + timeoutMs;
    let current = photo;
    for (let pause = 200; current.status === 'processing' || current.status === 'pending'; pause = Math.min(pause * 2, 2000)) {
      if (Date.now() > deadline) {
        throw new ShoeboxError('photo_not_ready', `Photo ${photo.photoId} was still ${current.status} after ${timeoutMs} ms`);
      }
      await sleep(pause, signal);
      current = await this.get(photo.photoId, signal ? { signal } : {});
    }
    if (current.status === 'failed') {
      throw new ShoeboxError(
        'photo_failed',
        `Photo ${photo.photoId} could not be processed: ${current.failureReason ?? 'no reason given'}`,
      );
    }
    return current;
  }
}
