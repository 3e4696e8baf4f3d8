import { Transform, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
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
  const detected = await fileTypeFromBuffer(head);
  if (detected?.mime !== declared) {
    throw new Problem(
      'unsupported_media_type',
      `The bytes are ${detected ? `${detected.mime}` : 'not a recognised image'}, but the photo was declared as ${declared}. ` +
        'Upload a JPEG, PNG, WebP or AVIF image and declare its real type.',
    );
  }
}

/**
 * Passes a stream through once its first SNIFF_BYTES (or all of it, if shorter) have been checked
 * by `assertImageType`; fails the stream otherwise, before any byte has been passed on.
 */
export class ImageTypeCheck extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private checked = false;

  constructor(private readonly declared: PhotoType) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.checked) {
      done(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) done();
    else this.check().then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    if (this.checked) done();
    else this.check().then(() => done(), done);
  }

  private async check(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    await assertImageType(head, this.declared);
    this.checked = true;
    this.push(head);
  }
}
