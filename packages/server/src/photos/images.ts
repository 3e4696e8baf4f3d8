import type sharp from 'sharp';

/**
 * Image work for photos, done with sharp (libvips). Variants are what devices show: oriented as
 * the camera meant, every piece of metadata (EXIF with GPS, XMP, IPTC, ICC) removed, sRGB.
 */

/** The types a photo may be uploaded as: MIME type → sharp's decoder name. */
export const PHOTO_TYPES = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'heif',
} as const;

export type PhotoType = keyof typeof PHOTO_TYPES;

export const isPhotoType = (type: string): type is PhotoType => Object.hasOwn(PHOTO_TYPES, type);

/** Longest side of each variant, in pixels. */
export const VARIANT_SIZES = { thumb: 256, display: 2048 } as const;

export type VariantName = keyof typeof VARIANT_SIZES;

export interface Variant {
  readonly name: VariantName;
  readonly data: Buffer;
  readonly contentType: 'image/jpeg' | 'image/webp';
  readonly width: number;
  readonly height: number;
}

export type ProcessedImage =
  | {
      readonly ok: true;
      /** Of the original, after orientation. */
      readonly width: number;
      readonly height: number;
      readonly variants: readonly Variant[];
    }
  | { readonly ok: false; readonly reason: string };

/**
 * sharp (and libvips behind it) is loaded on first use: CLI commands and processes that never
 * touch an image start without it.
 */
let loaded: Promise<typeof sharp> | undefined;
const loadSharp = () =>
  (loaded ??= import('sharp').then(({ default: library }) => {
    // Each image is decoded once; libvips' operation cache would only hold memory for nothing.
    library.cache(false);
    return library;
  }));

/**
 * Makes the variants of an uploaded image (its bytes, or the path of a file holding them), or
 * says why it cannot. Everything wrong with the image itself (not a permitted format, corrupt,
 * too many pixels) is a reason, never a throw: retrying would fail the same way. The pixel count
 * is checked from the header before any decoding, and libvips enforces the same cap while
 * decoding, so a small file that inflates to billions of pixels (a decompression bomb) is
 * refused without being expanded.
 */
export async function makeVariants(input: Buffer | string, type: PhotoType, maxPixels: number): Promise<ProcessedImage> {
  const sharp = await loadSharp();
  const options: sharp.SharpOptions = { limitInputPixels: maxPixels, failOn: 'error' };
  let metadata: sharp.Metadata;
  try {
    // Reading the header decodes no pixels, so it can run uncapped and report the real count below.
    metadata = await sharp(input, { ...options, limitInputPixels: false }).metadata();
  } catch (error) {
    return failed(`The image could not be read: ${messageOf(error, input)}.`);
  }
  const decoder = PHOTO_TYPES[type];
  if (metadata.format !== decoder || (type === 'image/avif' && metadata.compression !== 'av1')) {
    return failed(`The bytes are not a ${type} image; upload JPEG, PNG, WebP or AVIF.`);
  }
  const pixels = metadata.width * metadata.height;
  if (pixels > maxPixels) {
    return failed(`The image has ${pixels} pixels; at most ${maxPixels} are accepted. Scale it down and upload again.`);
  }
  try {
    const format = metadata.hasAlpha ? 'webp' : 'jpeg';
    const display = await encode(sharp(input, options).autoOrient(), 'display', format);
    // The thumbnail comes from the display variant: already oriented and clean, and far smaller to decode.
    const thumb = await encode(sharp(display.data), 'thumb', format);
    return { ok: true, width: metadata.autoOrient.width, height: metadata.autoOrient.height, variants: [thumb, display] };
  } catch (error) {
    return failed(`The image could not be decoded: ${messageOf(error, input)}.`);
  }
}

async function encode(image: sharp.Sharp, name: VariantName, format: 'jpeg' | 'webp'): Promise<Variant> {
  const size = VARIANT_SIZES[name];
  const resized = image.resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await (format === 'jpeg' ? resized.jpeg({ quality: 82 }) : resized.webp({ quality: 80 })).toBuffer({
    resolveWithObject: true,
  });
  return { name, data, contentType: `image/${format}`, width: info.width, height: info.height };
}

const failed = (reason: string): ProcessedImage => ({ ok: false, reason: reason.slice(0, 300) });

/** libvips' message, without the server's path to the file (reasons are shown to the photo's owner). */
const messageOf = (error: unknown, input: Buffer | string) => {
  const message = (error instanceof Error ? error.message : String(error)).trim().replace(/\.$/, '');
  return typeof input === 'string' ? message.replaceAll(input, 'the stored file') : message;
};
