import type { BlobStore } from '../blob/store.js';
import type { Register } from '../http/capability.js';
import { publicPhotoRoutes } from './public-routes.js';
import { photoRoutes } from './routes.js';
import type { PhotoService } from './service.js';

export interface PhotoRouteServices {
  readonly photos: PhotoService;
  /** The blob store the photos are kept in: the filesystem store serves its own signed URLs. */
  readonly blobs: BlobStore;
}

/**
 * Photos: the caller's uploads under /v1; signed URLs and the stable URLs of public photos carry
 * their own authority, so they need no API key.
 */
export const registerPhotos: Register<PhotoRouteServices> = (scopes, { photos, blobs }) => {
  scopes.public.add(async (root) => blobs.mount(root));
  scopes.public.add(publicPhotoRoutes(photos, blobs), '/public/photos');
  scopes.identified.add(photoRoutes(photos));
};
