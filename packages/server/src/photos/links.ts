import type { BlobStore } from '../blob/store.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { VariantName } from './images.js';
import { originalKey, type Photo, variantKey } from './photo.js';
import type { PhotoJson } from './schemas.js';

/**
 * The photo as a viewer sees it, with the URLs that fetch its bytes. Download URLs expire at the
 * end of the next whole TTL window rather than exactly one TTL from now: every request within a
 * window gets the same URL, so devices and caches can reuse what they fetched.
 */
export class PhotoLinks {
  constructor(
    private readonly blobs: BlobStore,
    /** Where public photos' stable URLs start: `<server>/public/photos` or a CDN in front of it (a function: the server's URL may be known only once it listens). */
    private readonly publicPhotosUrl: () => string,
    private readonly ttlSeconds: number,
    private readonly clock: Clock = systemClock,
  ) {}

  async json(photo: Photo, viewerId: string, now = this.clock.now()): Promise<PhotoJson> {
    const windowMs = this.ttlSeconds * 1000;
    const expiresAt = new Date((Math.floor(now / windowMs) + 2) * windowMs);
    const isPublic = photo.visibility === 'public';
    const variants: PhotoJson['variants'] = {};
    for (const [name, info] of Object.entries(photo.variants) as [VariantName, NonNullable<Photo['variants'][VariantName]>][]) {
      const url = await this.blobs.signDownload(variantKey(photo.id, name), {
        contentType: info.contentType,
        cache: isPublic ? 'immutable' : 'private',
        expiresAt,
      });
      variants[name] = {
        ...info,
        url,
        expiresAt: expiresAt.toISOString(),
        ...(isPublic && { publicUrl: this.publicVariantUrl(photo.id, name) }),
      };
    }
    const showOriginal = photo.ownerId === viewerId && photo.status !== 'pending';
    return {
      photoId: photo.id,
      status: photo.status,
      visibility: photo.visibility,
      contentType: photo.contentType,
      bytes: photo.bytes,
      width: photo.width,
      height: photo.height,
      failureReason: photo.failureReason,
      createdAt: photo.createdAt.toISOString(),
      updatedAt: photo.updatedAt.toISOString(),
      variants,
      ...(showOriginal && {
        original: {
          bytes: photo.bytes,
          contentType: photo.contentType,
          url: await this.blobs.signDownload(originalKey(photo.id), { contentType: photo.contentType, cache: 'private', expiresAt }),
          expiresAt: expiresAt.toISOString(),
        },
      }),
    };
  }

  /** The stable, unsigned URL of a public photo's variant (served by photos/public-routes.ts). */
  publicVariantUrl(photoId: string, variant: VariantName): string {
    return `${this.publicPhotosUrl()}/${photoId}/${variant}`;
  }
}
