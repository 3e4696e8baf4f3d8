import type { S3Location } from '../../blob/s3-location.js';
import { S3BlobStore } from '../../blob/s3-store.js';
import type { Eraser } from './eraser.js';

/**
 * The objects Shoebox wrote in the bucket: blob-shaped keys under the location's prefix (see
 * `S3BlobStore.deleteEverything`). The bucket itself belongs to the operator and stays.
 * Opening checks the bucket answers.
 */
export async function openS3Eraser(location: S3Location): Promise<Eraser> {
  const store = await S3BlobStore.open(location);
  const place = store.describe();
  return {
    name: 'S3',
    place,
    async survey() {
      const objects = await store.countOwnObjects();
      return objects === 0 ? [] : [{ description: `${place}: ${objects} object(s)`, items: objects }];
    },
    async erase(removed) {
      await store.deleteEverything((keys) => removed(keys.length));
    },
    async close() {
      store.close();
    },
  };
}
