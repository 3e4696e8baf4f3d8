import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Real images for tests and benchmarks, made with sharp. */

const RED = { r: 220, g: 20, b: 20 };
const BLUE = { r: 20, g: 20, b: 220 };

/** A `width`×`height` image whose left half is red and right half blue, so orientation shows in the pixels. */
const halves = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const { r, g, b } = i % width < width / 2 ? RED : BLUE;
    pixels.set([r, g, b], i * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

/**
 * A 300×200 JPEG as a phone writes it: the sensor's pixels (red left, blue right), EXIF
 * orientation 6 (turn 90° clockwise to view: 200×300, red on top), a camera make and a GPS
 * position, plus an ICC profile.
 */
export async function phoneJpeg(): Promise<Buffer> {
  return halves(300, 200)
    .jpeg()
    .withExif({
      IFD0: { Make: 'ShoeboxCam', Model: 'Test 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif';

/** A plain image of the given format and size; `alpha` adds a transparent channel. */
export async function image(format: ImageFormat, width = 64, height = 48, alpha = false): Promise<Buffer> {
  const base = alpha ? sharp({ create: { width, height, channels: 4, background: { ...RED, alpha: 0.5 } } }) : halves(width, height);
  return base.toFormat(format).toBuffer();
}

/** A photo-like JPEG with detail (noise), so its size and decoding cost resemble a camera's. */
export async function noisyJpeg(width: number, height: number, quality = 85): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: { r: 120, g: 140, b: 160 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * A decompression bomb: a valid PNG header announcing `side`×`side` pixels, followed by a few
 * compressed rows. Small on disk, billions of pixels if anyone decoded it.
 */
export function pngBomb(side = 60_000): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  const rows = deflateSync(Buffer.alloc((side + 1) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The first bytes of a JPEG (so sniffing says JPEG) followed by garbage. */
export const corruptJpeg = (): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(2000, 0x5a)]);

/** The colour of one pixel. */
export async function pixelAt(input: Buffer, x: number, y: number): Promise<{ r: number; g: number; b: number }> {
  const { data, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return { r: data[i] ?? 0, g: data[i + 1] ?? 0, b: data[i + 2] ?? 0 };
}
