import { S3BlobStore } from '../../blob/s3-store.js';
import type { S3Location } from '../../config/s3-location.js';
import { isPhotoBlobKey } from '../../photos/photo.js';
import type { Eraser } from './eraser.js';

/**
 * The objects Shoebox wrote in the bucket: photo blob keys (`photos/<photo id>/<blob>`) right under
 * the location's prefix. The bucket itself, and every other object in it, belong to the operator and stay.
 * Opening checks the bucket answers.
 */
export async function openS3Eraser(location: S3Location): Promise<Eraser> {
  const store = await S3BlobStore.open(location);
  const place = store.describe();
  return {
    name: 'S3',
    place,
    async survey() {
      const objects = await store.countOwned(isPhotoBlobKey);
      return objects === 0 ? [] : [{ description: `${place}: ${objects} object(s)`, items: objects }];
    },
    async erase(removed) {
      await store.deleteOwned(isPhotoBlobKey, (keys) => removed(keys.length));
    },
    async close() {
      store.close();
    },
  };
}
