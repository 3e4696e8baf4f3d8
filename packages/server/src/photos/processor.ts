import { pipeline, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ByteLimit } from '../blob/byte-limit.js';
import { BlobChangedError, type BlobStore } from '../blob/store.js';
import { Problem } from '../errors.js';
import type { Change } from '../stream/change.js';
import type { StreamConsumer } from '../stream/consumer.js';
import { type PhotoChangeLog, photoChange } from './changes.js';
import { makeVariants, type ProcessedImage, type VariantName } from './images.js';
import { deletePhotoBlobs, originalKey, type Photo, type VariantInfo, variantKey } from './photo.js';
import type { PhotoStore } from './store.js';

const CHANGED_ORIGINAL =
  'The stored original is no longer the upload that was completed, so no variants were made from it. Upload the photo again.';

/**
 * The photo processor, a consumer of the change stream: when a photo enters `processing` it makes
 * the variants and marks the photo `ready` (or `failed` with a reason); when a photo is removed
 * it deletes its blobs. Idempotent: a repeated or outdated change finds the photo already past
 * that step (or gone) and does nothing. Problems with the image itself end in `failed`; only
 * storage errors throw, so the stream retries them.
 */
export class PhotoProcessor implements StreamConsumer {
  readonly name = 'photo-processor';
  readonly entities = ['photo'] as const;

  constructor(
    private readonly store: PhotoStore,
    private readonly blobs: BlobStore,
    private readonly changes: PhotoChangeLog,
    private readonly maxPixels: number,
  ) {}

  async handle(change: Pick<Change, 'op' | 'entityId' | 'newImage'>): Promise<void> {
    if (change.op === 'REMOVE') return deletePhotoBlobs(this.blobs, change.entityId);
    if (change.newImage?.status === 'processing') return this.process(change.entityId);
  }

  private async process(photoId: string): Promise<void> {
    const photo = await this.store.find(photoId);
    if (photo?.status !== 'processing') return;
    let original: Awaited<ReturnType<BlobStore['get']>>;
    try {
      // Only the version `complete` checked: variants are never made from bytes nobody checked.
      original = await this.blobs.get(originalKey(photo.id), { ifMatch: photo.originalEtag ?? undefined });
    } catch (error) {
      if (!(error instanceof BlobChangedError)) throw error;
      return this.finish(photo, { ok: false, reason: CHANGED_ORIGINAL });
    }
    if (!original) return this.finish(photo, { ok: false, reason: 'The uploaded bytes are missing. Upload the photo again.' });
    let input: Buffer;
    try {
      input = await buffer(pipeline(original.body, new ByteLimit(photo.bytes), () => {}));
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      return this.finish(photo, { ok: false, reason: 'The stored bytes are longer than declared. Upload the photo again.' });
    }
    const result = await makeVariants(input, photo.contentType, this.maxPixels);
    if (result.ok) {
      for (const variant of result.variants) {
        await this.blobs.put(variantKey(photo.id, variant.name), Readable.from([variant.data]), {
          maxBytes: variant.data.length,
          contentType: variant.contentType,
        });
      }
    }
    await this.finish(photo, result);
  }

  /** processing → ready | failed. A photo deleted meanwhile keeps no variants. */
  private async finish(photo: Photo, result: ProcessedImage): Promise<void> {
    const { before } = await this.changes.write(async (trx) => {
      const outcome = await this.store.update(trx, photo.id, (current) => {
        if (current.status !== 'processing') return undefined;
        return result.ok
          ? { ...current, status: 'ready', width: result.width, height: result.height, ...variantsOf(current, result) }
          : { ...current, status: 'failed', failureReason: result.reason };
      });
      if (outcome.before && outcome.after) await this.changes.record(trx, photoChange(outcome.before, outcome.after));
      return outcome;
    });
    // Variants written for a photo deleted meanwhile would be orphans (its REMOVE may have been handled already).
    if (!before) await deletePhotoBlobs(this.blobs, photo.id);
  }
}

/** The variants' metadata, and the stored bytes now that they exist beside the original. */
function variantsOf(photo: Photo, result: Extract<ProcessedImage, { ok: true }>): Pick<Photo, 'variants' | 'storedBytes'> {
  const variants: Partial<Record<VariantName, VariantInfo>> = {};
  let bytes = photo.bytes;
  for (const { name, data, width, height, contentType } of result.variants) {
    variants[name] = { width, height, bytes: data.length, contentType };
    bytes += data.length;
  }
  return { variants, storedBytes: bytes };
}
