import { Readable } from 'node:stream';
import type { BlobStore } from '../blob/store.js';
import type { Change } from '../stream/change.js';
import type { StreamConsumer } from '../stream/consumer.js';
import { type PhotoChangeLog, photoChange } from './changes.js';
import { makeVariants, type ProcessedImage, type VariantName } from './images.js';
import { CHANGED_ORIGINAL, readOriginal } from './original.js';
import { deletePhotoBlobs, type Photo, type VariantInfo, variantKey } from './photo.js';
import { type PhotoQuota, variantsOverQuota } from './quota.js';
import type { PhotoStore } from './store.js';

/**
 * Photos processed at once, and so the batches the stream hands over (StreamConsumer.batchLimit).
 * sharp bounds the image work itself (a libvips thread per core); each photo in progress holds its
 * decoded pixels in memory (and on S3 its original), so more would mostly hold more memory.
 */
const PHOTOS_AT_ONCE = 4;

/** What the processor reads of a change. */
type PhotoStreamChange = Pick<Change, 'op' | 'entityId' | 'newImage'>;

/**
 * The reason of a photo whose processing change went to the dead-letter table. It says nothing of
 * the error behind it (storage details are for the operator's log, not for the photo's owner), and
 * it marks the one kind of failure a re-driven change may still turn into `ready`.
 */
const PROCESSING_GAVE_UP =
  'Processing kept failing and was given up; it is tried again if the operator re-drives it. Or upload the photo again.';

/** A photo the processor works on: in `processing`, or failed only because its processing was given up (re-driven since). */
const awaitsProcessing = (photo: Photo): boolean =>
  photo.status === 'processing' || (photo.status === 'failed' && photo.failureReason === PROCESSING_GAVE_UP);

/**
 * The photo processor, a consumer of the change stream: when a photo enters `processing` it makes
 * the variants and marks the photo `ready` (or `failed` with a reason); when a photo is removed
 * it deletes its blobs. Idempotent: a repeated or outdated change finds the photo already past
 * that step (or gone) and does nothing. Problems with the image itself end in `failed`, and so do
 * variants the storage quotas have no room for; only storage errors throw, so the stream retries
 * them, and once it gives up (a dead letter) the photo fails with a reason too.
 */
export class PhotoProcessor implements StreamConsumer {
  readonly name = 'photo-processor';
  readonly entities = ['photo'] as const;
  readonly batchLimit = PHOTOS_AT_ONCE;

  constructor(
    private readonly store: PhotoStore,
    private readonly blobs: BlobStore,
    private readonly changes: PhotoChangeLog,
    private readonly quota: PhotoQuota,
    private readonly maxPixels: number,
  ) {}

  async handle(change: PhotoStreamChange): Promise<void> {
    if (change.op === 'REMOVE') return deletePhotoBlobs(this.blobs, change.entityId);
    if (change.newImage?.status === 'processing') return this.process(change.entityId);
  }

  /**
   * Several photos side by side, each photo's changes in order: one at a time, a photo's
   * processing mostly waits on reading the original and flushing its variants to storage. A
   * failure stops only the worker it happened in; the others finish their photos before it is
   * thrown, so when the stream hands the changes to `handle` one by one afterwards, no photo is
   * still in progress. Those already done are passed by then (processing is idempotent), and the
   * failed one is tried once more at once.
   */
  async handleBatch(changes: readonly PhotoStreamChange[]): Promise<void> {
    const byPhoto = new Map<string, PhotoStreamChange[]>();
    for (const change of changes) {
      const own = byPhoto.get(change.entityId);
      if (own) own.push(change);
      else byPhoto.set(change.entityId, [change]);
    }
    const photos = [...byPhoto.values()];
    let next = 0;
    const worker = async () => {
      for (let own = photos[next++]; own; own = photos[next++]) {
        for (const change of own) await this.handle(change);
      }
    };
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(PHOTOS_AT_ONCE, photos.length) }, worker));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * The stream gave up on a change. If it was the one asking for processing, the photo would stay
   * `processing` for good: it fails instead, and a re-drive that succeeds makes it ready. The
   * stream's reason (the last error) is not passed on to the photo's owner.
   */
  async deadLettered(change: PhotoStreamChange): Promise<void> {
    if (change.op === 'REMOVE' || change.newImage?.status !== 'processing') return;
    await this.changes.write(async (trx) => {
      const { before, after } = await this.store.update(trx, change.entityId, (current) =>
        current.status === 'processing' ? { ...current, status: 'failed', failureReason: PROCESSING_GAVE_UP } : undefined,
      );
      if (before && after) await this.changes.record(trx, photoChange(before, after));
    });
  }

  private async process(photoId: string): Promise<void> {
    const photo = await this.store.find(photoId);
    if (!photo || !awaitsProcessing(photo)) return;
    const original = await readOriginal(this.blobs, photo);
    if (!original.ok) return this.finish(photo, original);
    const made = await makeVariants(original.input, photo.contentType, this.maxPixels);
    const result: ProcessedImage = (await original.unchanged()) ? made : { ok: false, reason: CHANGED_ORIGINAL };
    if (result.ok) {
      // No room for the variants: nothing to write (finish checks again, under the quota locks).
      const excess = await this.quota.check(photo, variantBytes(result));
      if (excess) return this.finish(photo, { ok: false, reason: variantsOverQuota(excess) });
      for (const variant of result.variants) {
        await this.blobs.put(variantKey(photo.id, variant.name), Readable.from([variant.data]), {
          maxBytes: variant.data.length,
          contentType: variant.contentType,
        });
      }
    }
    await this.finish(photo, result);
  }

  /**
   * processing → ready | failed. The variants count against the quotas of the photo's owner and
   * API key: checked here, under the quota locks, in the transaction that records them; without
   * room the photo fails with a reason and its variants go. A photo deleted meanwhile keeps no
   * variants either.
   */
  private async finish(photo: Photo, result: ProcessedImage): Promise<void> {
    const { before, after } = await this.changes.write(async (trx) => {
      let outcome = result;
      const current = result.ok ? await this.store.find(photo.id, trx) : undefined;
      if (result.ok && current) {
        const excess = await this.quota.reserve(trx, current, variantBytes(result), Date.now());
        if (excess) outcome = { ok: false, reason: variantsOverQuota(excess) };
      }
      const written = await this.store.update(trx, photo.id, (latest) => {
        if (!awaitsProcessing(latest)) return undefined;
        return outcome.ok
          ? {
              ...latest,
              status: 'ready',
              failureReason: null,
              width: outcome.width,
              height: outcome.height,
              ...variantsOf(latest, outcome),
            }
          : { ...latest, status: 'failed', failureReason: outcome.reason };
      });
      if (written.before && written.after) await this.changes.record(trx, photoChange(written.before, written.after));
      return written;
    });
    // Variants written for a photo deleted meanwhile would be orphans (its REMOVE may have been handled already).
    if (!before) return deletePhotoBlobs(this.blobs, photo.id);
    // Variants the quota had no room for are not kept (a photo another delivery made ready keeps its own).
    if (result.ok && after?.status === 'failed') {
      await Promise.all(result.variants.map((variant) => this.blobs.delete(variantKey(photo.id, variant.name))));
    }
  }
}

const variantBytes = (result: Extract<ProcessedImage, { ok: true }>): number =>
  result.variants.reduce((sum, variant) => sum + variant.data.length, 0);

/** The variants' metadata, and the stored bytes now that they exist beside the original. */
function variantsOf(photo: Photo, result: Extract<ProcessedImage, { ok: true }>): Pick<Photo, 'variants' | 'storedBytes'> {
  const variants: Partial<Record<VariantName, VariantInfo>> = {};
  for (const { name, data, width, height, contentType } of result.variants) {
    variants[name] = { width, height, bytes: data.length, contentType };
  }
  return { variants, storedBytes: photo.bytes + variantBytes(result) };
}
