import { Problem } from '../errors.js';
import type { PhotoType } from './images.js';

/** Enough leading bytes for file-type to recognise every image format it knows. */
export const SNIFF_BYTES = 4100;

/**
 * Refuses bytes that are not an image of the declared type, judged from their content, never
 * from a name or a header. Whatever a client claims, an HTML page, an SVG or a script never
 * becomes a photo.
 */
export async function assertImageType(head: Uint8Array, declared: PhotoType): Promise<void> {
  // Imported on the first upload, not at every start.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(head);
  if (detected?.mime !== declared) {
    throw new Problem(
      'unsupported_media_type',
      `The bytes are ${detected ? `${detected.mime}` : 'not a recognised image'}, but the photo was declared as ${declared}. ` +
        'Upload a JPEG, PNG, WebP or AVIF image and declare its real type.',
    );
  }
}
