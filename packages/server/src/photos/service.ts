import { buffer } from 'node:stream/consumers';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/store.js';
import { checkUploadLength } from '../blob/upload-length.js';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import type { IdentityLocks } from '../identity/owner-locks.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId } from '../shared/secrets.js';
import { type PhotoChangeLog, photoChange } from './changes.js';
import { isPhotoType, type VariantName } from './images.js';
import type { PhotoLinks } from './links.js';
import { deletePhotoBlobs, originalKey, PHOTO_ID, type Photo, uploadKey, type Visibility, variantKey } from './photo.js';
import { type PhotoQuota, quotaProblem } from './quota.js';
import type { CreatePhotoInput, PhotoJson } from './schemas.js';
import { assertImageType, SNIFF_BYTES } from './sniff.js';
import { type ListCursor, PhotoKeepsChangingError, type PhotoStore, type QuotaHolders } from './store.js';

export interface PhotoLimits {
  /** Largest original accepted, in bytes. */
  readonly maxBytes: number;
  readonly urlTtlSeconds: number;
}

/** An upload claim older than this belongs to a receiver that died; another upload may take over. */
const STALE_UPLOAD_MS = 60 * 60 * 1000;

/** Abandoned uploads settled per photo created: enough to keep up, few enough that a create never waits on a backlog. */
const SETTLED_PER_CREATE = 10;

const UPLOAD_EXPIRED = 'The upload URL expired before the upload was finished and completed. Create a new photo to upload it.';

/**
 * Something that refers to photos (notes). Told inside the transaction that deletes a photo, so
 * its references go in the same commit.
 */
export interface PhotoReferrer {
  forgetPhoto(trx: Kysely<Tables>, ownerId: string, photoId: string): Promise<void>;
}

const notFound = () => new Problem('not_found', 'There is no photo with this id. It may have been deleted.');

/**
 * Photos of identities: creating one (and its signed upload URL), adopting and checking its
 * bytes, reading, listing and deleting. Every method that acts for an identity is given its id
 * and only ever finds that identity's photos (or public ones, when reading).
 */
export class PhotoService {
  constructor(
    private readonly store: PhotoStore,
    private readonly blobs: BlobStore,
    private readonly changes: PhotoChangeLog,
    private readonly links: PhotoLinks,
    private readonly quota: PhotoQuota,
    /** Holds a photo's owner while it is created (identity/owner-locks.ts). */
    private readonly owners: Pick<IdentityLocks, 'holdOwner'>,
    private readonly limits: PhotoLimits,
    private readonly referrers: readonly PhotoReferrer[] = [],
    /** Decides when upload URLs expire and when an upload is abandoned. */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * A pending photo and where to PUT its bytes. Size, type and the quotas (of the identity, and of
   * `apiKeyId`, the key the request came through, when given) are checked before any byte is sent.
   */
  async create(
    ownerId: string,
    input: CreatePhotoInput,
    apiKeyId: string | null = null,
  ): Promise<{ photo: PhotoJson; upload: Awaited<ReturnType<BlobStore['signUpload']>> }> {
    const contentType = input.contentType.toLowerCase();
    if (!isPhotoType(contentType)) {
      throw new Problem('unsupported_media_type', `Photos are image/jpeg, image/png, image/webp or image/avif, not ${contentType}.`);
    }
    if (input.contentLength > this.limits.maxBytes) {
      throw new Problem(
        'payload_too_large',
        `A photo may have at most ${this.limits.maxBytes} bytes; this one would have ${input.contentLength}.`,
        {
          extensions: { maxBytes: this.limits.maxBytes },
        },
      );
    }
    const now = this.clock.now();
    const holders = { ownerId, apiKeyId };
    await this.settleAbandoned(holders, now);
    const photo: Photo = {
      id: newId('pho'),
      ownerId,
      apiKeyId,
      status: 'pending',
      visibility: (input.visibility ?? 'private') satisfies Visibility,
      contentType,
      bytes: input.contentLength,
      storedBytes: input.contentLength,
      width: null,
      height: null,
      variants: {},
      failureReason: null,
      originalEtag: null,
      uploadExpiresAt: new Date(now + this.limits.urlTtlSeconds * 1000),
      version: 1,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    };
    await this.changes.write(async (trx) => {
      // The owner first, then the quota locks: the order an identity's deletion takes them in.
      await this.owners.holdOwner(trx, ownerId);
      // Lock, sum and insert in one transaction, so two concurrent uploads cannot both squeeze under a quota.
      const excess = await this.quota.reserve(trx, holders, photo.bytes, now);
      if (excess) throw quotaProblem(excess);
      await this.store.insert(trx, photo);
      await this.changes.record(trx, photoChange(null, photo));
    });
    const upload = await this.blobs.signUpload(uploadKey(photo.id), {
      contentType,
      contentLength: photo.bytes,
      expiresAt: photo.uploadExpiresAt,
    });
    return { photo: await this.links.json(photo, ownerId, now), upload };
  }

  /**
   * Confirms the upload and starts processing. Idempotent: a photo past `pending` is returned as
   * it is. Adopts the bytes the device PUT to its signed URL (see `adoptUpload`), the same way on
   * every blob store. Once the upload URL has expired it is too late: a presigned PUT cannot be
   * stopped, so this is where late bytes are refused; the photo is settled as abandoned and
   * whatever was uploaded for it is removed.
   */
  async complete(ownerId: string, photoId: string): Promise<PhotoJson> {
    const photo = await this.store.findOwned(photoId, ownerId);
    if (!photo) throw notFound();
    if (photo.status !== 'pending') return this.links.json(photo, ownerId);
    const claimedAt = this.clock.now();
    if (!(await this.store.claimUpload(photo.id, claimedAt, claimedAt - STALE_UPLOAD_MS))) {
      const current = await this.store.findOwned(photoId, ownerId);
      if (current && current.status !== 'pending') return this.links.json(current, ownerId);
      const [abandoned] = await this.store.abandonedUploads('id', photo.id, claimedAt, claimedAt - STALE_UPLOAD_MS, 1);
      if (abandoned) {
        await this.abandon(abandoned, claimedAt);
        throw expiredUrl();
      }
      throw new Problem('upload_missing', 'The upload is still arriving or being completed. Complete the photo once the PUT has finished.');
    }
    let started: Photo;
    try {
      started = await this.startProcessing(photo, await this.adoptUpload(photo));
    } catch (error) {
      await this.store.releaseUpload(photo.id, claimedAt);
      // Deleted meanwhile: its deletion may have removed its blobs before the copy was made.
      if (error instanceof Problem && error.code === 'not_found') await deletePhotoBlobs(this.blobs, photo.id);
      throw error;
    }
    // Best effort: a leftover upload object is never read, and goes with the photo.
    await this.blobs.delete(uploadKey(photo.id)).catch(() => {});
    return this.links.json(started, ownerId);
  }

  /**
   * Copies the object a device PUT to the upload key into the photo's original, then checks that
   * copy (size, and type by content): the bytes checked are the bytes kept. An S3 presigned PUT
   * works until it expires, and not every store honours its `If-None-Match: *`; since the upload
   * key is never served or processed, a replayed URL cannot change a completed photo. Answers the
   * checked original's ETag, which pins it from then on (the processor reads only that version).
   */
  private async adoptUpload(photo: Photo): Promise<string> {
    const key = originalKey(photo.id);
    if (!(await this.blobs.copy(uploadKey(photo.id), key))) {
      throw new Problem('upload_missing', 'No bytes have arrived for this photo yet. PUT them to upload.url, then complete.');
    }
    try {
      const info = await this.blobs.head(key);
      if (!info) throw uploadGone();
      checkUploadLength(info.size, photo.bytes);
      const head = await this.blobs.get(key, { range: { start: 0, end: Math.min(info.size, SNIFF_BYTES) - 1 }, ifMatch: info.etag });
      if (!head) throw uploadGone();
      await assertImageType(await buffer(head.body), photo.contentType);
      return info.etag;
    } catch (error) {
      await this.blobs.delete(key);
      // Nothing that fails the checks is kept; the device may upload again while the URL works.
      if (error instanceof Problem) await this.blobs.delete(uploadKey(photo.id));
      throw error;
    }
  }

  async get(viewerId: string, photoId: string): Promise<PhotoJson> {
    const photo = await this.store.findVisible(photoId, viewerId);
    if (!photo) throw notFound();
    return this.links.json(photo, viewerId);
  }

  async list(ownerId: string, limit: number, cursor?: string): Promise<{ photos: PhotoJson[]; nextCursor: string | null }> {
    const photos = await this.store.listOwned(ownerId, limit, cursor === undefined ? undefined : decodeCursor(cursor));
    const last = photos.at(-1);
    return {
      photos: await Promise.all(photos.map((photo) => this.links.json(photo, ownerId))),
      nextCursor: photos.length === limit && last ? encodeCursor({ createdAt: last.createdAt.getTime(), id: last.id }) : null,
    };
  }

  /**
   * Deletes a photo: the row, its REMOVE change and the references to it (notes) commit together;
   * then the blobs go. Should the process die in between, the photo processor deletes them when it
   * handles the REMOVE change.
   */
  async delete(ownerId: string, photoId: string): Promise<void> {
    const photo = await this.changes.write(async (trx) => {
      // Its key's quota lock first, as every quota holder's lock is taken (the key never changes).
      const holders = await this.store.findOwned(photoId, ownerId, trx);
      if (!holders) throw notFound();
      await this.store.lockQuotaHolders(trx, holders, Date.now());
      // Whatever its version: the photo processor may finish it meanwhile.
      const found = await this.store.deleteOwned(trx, photoId, ownerId);
      if (!found) throw notFound();
      await this.changes.record(trx, photoChange(found, null));
      for (const referrer of this.referrers) await referrer.forgetPhoto(trx, ownerId, found.id);
      return found;
    });
    await deletePhotoBlobs(this.blobs, photo.id);
  }

  /**
   * Settles a few abandoned uploads of these quota holders (see PhotoStore.abandonedUploads) before
   * their quotas are checked. Until settled, a pending photo counts its declared length.
   */
  private async settleAbandoned(holders: QuotaHolders, now: number): Promise<void> {
    const staleBefore = now - STALE_UPLOAD_MS;
    const mine = await this.store.abandonedUploads('owner_id', holders.ownerId, now, staleBefore, SETTLED_PER_CREATE);
    const theKeys =
      holders.apiKeyId === null
        ? []
        : await this.store.abandonedUploads('api_key_id', holders.apiKeyId, now, staleBefore, SETTLED_PER_CREATE);
    const photos = new Map([...mine, ...theKeys].map((photo) => [photo.id, photo]));
    for (const photo of photos.values()) await this.abandon(photo, now);
  }

  /**
   * An abandoned upload's photo: its blobs go (on S3 the bucket may hold bytes a device PUT and
   * never completed), then it becomes `failed` and counts nothing. Blobs first: should this stop
   * halfway, the photo is still pending and counted, and is settled again next time. No upload can
   * claim it meanwhile, its URL having expired.
   */
  private async abandon(photo: Photo, now: number): Promise<void> {
    await deletePhotoBlobs(this.blobs, photo.id);
    await this.changes.write(async (trx) => {
      const { before, after } = await this.update(trx, photo.id, (current) =>
        current.status === 'pending' && current.uploadExpiresAt.getTime() <= now
          ? { ...current, status: 'failed', storedBytes: 0, failureReason: UPLOAD_EXPIRED }
          : undefined,
      );
      if (before && after) await this.changes.record(trx, photoChange(before, after));
    });
  }

  /** The blob of a public, ready photo's variant, for its stable unsigned URL. */
  async publicVariant(photoId: string, variant: VariantName): Promise<{ key: string; contentType: string }> {
    const info = (await this.store.findPublic(photoId))?.variants[variant];
    if (!info) throw notFound();
    return { key: variantKey(photoId, variant), contentType: info.contentType };
  }

  /** pending → processing, with the ETag of the checked original, recorded as a change: the photo processor takes it from there. */
  private async startProcessing(photo: Photo, originalEtag: string): Promise<Photo> {
    return this.changes.write(async (trx) => {
      const { before, after } = await this.update(trx, photo.id, (current) =>
        current.status === 'pending' ? { ...current, status: 'processing', originalEtag } : undefined,
      );
      if (!before) throw notFound();
      if (!after) return before;
      await this.changes.record(trx, photoChange(before, after));
      return after;
    });
  }

  /** The store's update; a photo that kept changing meanwhile is a conflict the client may retry. */
  private async update(trx: Kysely<Tables>, id: string, change: (current: Photo) => Photo | undefined) {
    try {
      return await this.store.update(trx, id, change);
    } catch (error) {
      if (error instanceof PhotoKeepsChangingError) throw new Problem('conflict', 'The photo keeps changing meanwhile. Retry.');
      throw error;
    }
  }
}

const uploadGone = () => new Problem('upload_missing', 'The upload disappeared. PUT the bytes again, then complete.');

const expiredUrl = () => new Problem('signed_url_expired', UPLOAD_EXPIRED);

const CURSOR = new RegExp(`^(\\d{1,15})\\.(${PHOTO_ID})$`);

const encodeCursor = (cursor: ListCursor) => Buffer.from(`${cursor.createdAt}.${cursor.id}`).toString('base64url');

function decodeCursor(value: string): ListCursor {
  const match = CURSOR.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!match?.[1] || !match[2])
    throw new Problem('validation_failed', 'query.cursor is not a cursor this API gave out. Start again without it.');
  return { createdAt: Number(match[1]), id: match[2] };
}
