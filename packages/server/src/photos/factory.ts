import type { BlobStore } from '../blob/store.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { identityPhotoQuota } from '../identity/guest-policy.js';
import { IdentityLocks } from '../identity/owner-locks.js';
import type { Clock } from '../shared/clock.js';
import { type Outbox, recordChange } from '../stream/outbox.js';
import type { PhotoChangeLog } from './changes.js';
import { PhotoDataOwner } from './data-owner.js';
import { PhotoLinks } from './links.js';
import { PhotoProcessor } from './processor.js';
import { PhotoQuota } from './quota.js';
import { type PhotoReferrer, PhotoService } from './service.js';
import { PhotoStore } from './store.js';

export interface Photos {
  readonly blobs: BlobStore;
  readonly service: PhotoService;
  /** The change-stream consumer that makes variants and deletes the blobs of removed photos. */
  readonly processor: PhotoProcessor;
  readonly dataOwner: PhotoDataOwner;
}

export interface PhotoWiring {
  readonly config: Config;
  /** The blob store runtime/storage.ts opened for the configured engine. */
  readonly blobs: BlobStore;
  readonly database: Database;
  readonly outbox: Outbox;
  /** The server's public base URL; a function, because it may only be known once the server listens. */
  readonly publicUrl: () => string;
  /** What refers to photos (notes), told when a photo is deleted. */
  readonly referrers: readonly PhotoReferrer[];
  /** Decides when signed URLs expire. */
  readonly clock: Clock;
}

/** Builds the photo capability on the configured blob store, its writes recorded in the change stream. */
export function openPhotos(wiring: PhotoWiring): Photos {
  const { config, database, outbox, publicUrl, blobs, clock } = wiring;
  const store = new PhotoStore(database);
  const changes: PhotoChangeLog = { write: (work) => outbox.write(work), record: recordChange };
  // Public photos' stable URLs: a CDN in front of /public/photos when one is configured.
  const publicPhotosUrl = () => config.blobPublicUrl ?? `${publicUrl()}/public/photos`;
  const links = new PhotoLinks(blobs, publicPhotosUrl, config.signedUrlTtlSeconds, clock);
  const quota = new PhotoQuota(store, {
    identityBytes: config.photoQuotaBytes,
    identityBytesOf: identityPhotoQuota(wiring.database.db, config.photoQuotaBytes, config.guests.photoQuotaBytes),
    apiKeyBytes: config.photoQuotaBytesPerKey,
  });
  const limits = { maxBytes: config.photoMaxBytes, urlTtlSeconds: config.signedUrlTtlSeconds };
  return {
    blobs,
    service: new PhotoService(store, blobs, changes, links, quota, new IdentityLocks(database.engine), limits, wiring.referrers, clock),
    processor: new PhotoProcessor(store, blobs, changes, quota, config.photoMaxPixels),
    dataOwner: new PhotoDataOwner(store, changes),
  };
}
