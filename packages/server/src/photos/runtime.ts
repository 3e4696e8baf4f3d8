import { FsBlobStore } from '../blob/fs-store.js';
import type { BlobStore } from '../blob/store.js';
import { loadUrlSigningKey, UrlSigner } from '../blob/url-signer.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { DataLayout } from '../runtime/layout.js';
import type { Logger } from '../shared/observability.js';
import { PhotoDataOwner } from './data-owner.js';
import { directPhotoChanges } from './direct-changes.js';
import { PhotoLinks } from './links.js';
import { PhotoProcessor } from './processor.js';
import { PhotoService } from './service.js';
import { PhotoStore } from './store.js';

export interface Photos {
  readonly blobs: BlobStore;
  /** Signs the filesystem store's URLs, which Shoebox itself serves (blob/fs-routes.ts). */
  readonly urlSigner: UrlSigner;
  readonly service: PhotoService;
  readonly processor: PhotoProcessor;
  readonly dataOwner: PhotoDataOwner;
}

/** Builds the photo capability on the embedded blob store. `publicUrl` is a function: it is known once the server listens. */
export async function openPhotos(
  config: Config,
  layout: DataLayout,
  database: Database,
  publicUrl: () => string,
  logger: Logger,
): Promise<Photos> {
  const urlSigner = new UrlSigner(loadUrlSigningKey(layout.secretsDir));
  const blobs = await FsBlobStore.open(layout.blobsDir, urlSigner, () => `${publicUrl()}/blobs`);
  const store = new PhotoStore(database);
  let processor: PhotoProcessor | undefined;
  const changes = directPhotoChanges(
    database,
    async (change) => processor?.handle(change),
    (error) => logger.error({ err: error }, 'photo processing failed'),
  );
  processor = new PhotoProcessor(store, blobs, changes, config.photoMaxPixels);
  const links = new PhotoLinks(blobs, publicUrl, config.signedUrlTtlSeconds);
  const service = new PhotoService(store, blobs, changes, links, {
    maxBytes: config.photoMaxBytes,
    quotaBytes: config.photoQuotaBytes,
    urlTtlSeconds: config.signedUrlTtlSeconds,
  });
  return { blobs, urlSigner, service, processor, dataOwner: new PhotoDataOwner(store, changes) };
}
