import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { corruptJpeg, image, phoneJpeg, pixelAt, pngBomb } from '../testing/images.js';
import { makeVariants, type ProcessedImage, type Variant } from './images.js';

const MAX_PIXELS = 50_000_000;

const variantsOf = (result: ProcessedImage): Record<string, Variant> => {
  if (!result.ok) throw new Error(`expected variants, got: ${result.reason}`);
  return Object.fromEntries(result.variants.map((variant) => [variant.name, variant]));
};

describe('photo variants', () => {
  it('apply the EXIF orientation and strip every piece of metadata, GPS included', async () => {
    const original = await phoneJpeg();
    const before = await sharp(original).metadata();
    expect(before).toMatchObject({ width: 300, height: 200, orientation: 6 });
    expect(before.exif?.includes('ShoeboxCam')).toBe(true);
    // The GPS IFD pointer (tag 0x8825, little-endian) and the latitude reference.
    expect(before.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true);

    const result = await makeVariants(original, 'image/jpeg', MAX_PIXELS);
    expect(result).toMatchObject({ ok: true, width: 200, height: 300 });
    for (const variant of Object.values(variantsOf(result))) {
      const after = await sharp(variant.data).metadata();
      expect(after.height).toBeGreaterThan(after.width);
      expect(after.orientation).toBeUndefined();
      expect(after.exif).toBeUndefined();
      expect(after.xmp).toBeUndefined();
      expect(after.iptc).toBeUndefined();
      expect(after.icc).toBeUndefined();
      expect(variant.data.includes('ShoeboxCam')).toBe(false);
      // Turned clockwise: what was the left (red) half is now on top.
      const top = await pixelAt(variant.data, Math.floor(after.width / 2), 2);
      const bottom = await pixelAt(variant.data, Math.floor(after.width / 2), after.height - 3);
      expect(top.r).toBeGreaterThan(150);
      expect(top.b).toBeLessThan(100);
      expect(bottom.b).toBeGreaterThan(150);
      expect(bottom.r).toBeLessThan(100);
    }
  });

  it('bound the longest side to 256 and 2048 pixels and never enlarge', async () => {
    const wide = variantsOf(await makeVariants(await image('jpeg', 3000, 1500), 'image/jpeg', MAX_PIXELS));
    expect(wide.thumb).toMatchObject({ width: 256, height: 128, contentType: 'image/jpeg' });
    expect(wide.display).toMatchObject({ width: 2048, height: 1024, contentType: 'image/jpeg' });
    const small = variantsOf(await makeVariants(await image('jpeg', 100, 40), 'image/jpeg', MAX_PIXELS));
    expect(small.thumb).toMatchObject({ width: 100, height: 40 });
    expect(small.display).toMatchObject({ width: 100, height: 40 });
  });

  it.each([
    { type: 'image/png', format: 'png' },
    { type: 'image/webp', format: 'webp' },
    { type: 'image/avif', format: 'avif' },
  ] as const)('are made from $type uploads', async ({ type, format }) => {
    const variants = variantsOf(await makeVariants(await image(format, 640, 480), type, MAX_PIXELS));
    expect(variants.thumb).toMatchObject({ width: 256, height: 192 });
    expect((await sharp(variants.display?.data).metadata()).format).toBe('jpeg');
  });

  it('keep transparency as WebP', async () => {
    const variants = variantsOf(await makeVariants(await image('png', 300, 300, true), 'image/png', MAX_PIXELS));
    expect(variants.thumb?.contentType).toBe('image/webp');
    expect(await sharp(variants.thumb?.data).metadata()).toMatchObject({ format: 'webp', hasAlpha: true });
  });

  it.each([
    { name: 'a corrupt JPEG', input: async () => corruptJpeg(), type: 'image/jpeg', reason: /could not be (read|decoded)/ },
    { name: 'a PNG declared as JPEG', input: () => image('png'), type: 'image/jpeg', reason: /not a image\/jpeg image/ },
    {
      name: 'an SVG declared as PNG',
      input: async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'),
      type: 'image/png',
      reason: /not a image\/png image|could not be read/,
    },
    { name: 'a decompression bomb', input: async () => pngBomb(), type: 'image/png', reason: /pixels|pixel limit/ },
    { name: 'an empty file', input: async () => Buffer.alloc(0), type: 'image/jpeg', reason: /could not be read/ },
  ] as const)('refuse $name with a reason', async ({ input, type, reason }) => {
    const result = await makeVariants(await input(), type, MAX_PIXELS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('refuse an image over the configured pixel cap', async () => {
    const result = await makeVariants(await image('jpeg', 1000, 1000), 'image/jpeg', 999_999);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('1000000 pixels; at most 999999') });
  });
});
