import { FsBlobStore } from '../blob/fs-store.js';
import type { BlobStore } from '../blob/store.js';
import { loadUrlSigningKey, UrlSigner } from '../blob/url-signer.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { DataLayout } from '../runtime/layout.js';
import { type Outbox, recordChange } from '../stream/outbox.js';
import type { PhotoChangeLog } from './changes.js';
import { PhotoDataOwner } from './data-owner.js';
import { PhotoLinks } from './links.js';
import { PhotoProcessor } from './processor.js';
import { type PhotoReferrer, PhotoService } from './service.js';
import { PhotoStore } from './store.js';

export interface Photos {
  readonly blobs: BlobStore;
  /** Signs the filesystem store's URLs, which Shoebox itself serves (blob/fs-routes.ts). */
  readonly urlSigner: UrlSigner;
  readonly service: PhotoService;
  /** The change-stream consumer that makes variants and deletes the blobs of removed photos. */
  readonly processor: PhotoProcessor;
  readonly dataOwner: PhotoDataOwner;
}

export interface PhotoWiring {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly database: Database;
  readonly outbox: Outbox;
  /** The server's public base URL; a function, because it may only be known once the server listens. */
  readonly publicUrl: () => string;
  /** What refers to photos (notes), told when a photo is deleted. */
  readonly referrers: readonly PhotoReferrer[];
}

/** Builds the photo capability on the embedded blob store, its writes recorded in the change stream. */
export async function openPhotos(wiring: PhotoWiring): Promise<Photos> {
  const { config, layout, database, outbox, publicUrl } = wiring;
  const urlSigner = new UrlSigner(loadUrlSigningKey(layout.secretsDir));
  const blobs = await FsBlobStore.open(layout.blobsDir, urlSigner, () => `${publicUrl()}/blobs`);
  const store = new PhotoStore(database);
  const changes: PhotoChangeLog = { write: (work) => outbox.write(work), record: recordChange };
  const links = new PhotoLinks(blobs, publicUrl, config.signedUrlTtlSeconds);
  const limits = { maxBytes: config.photoMaxBytes, quotaBytes: config.photoQuotaBytes, urlTtlSeconds: config.signedUrlTtlSeconds };
  return {
    blobs,
    urlSigner,
    service: new PhotoService(store, blobs, changes, links, limits, wiring.referrers),
    processor: new PhotoProcessor(store, blobs, changes, config.photoMaxPixels),
    dataOwner: new PhotoDataOwner(store, changes),
  };
}
