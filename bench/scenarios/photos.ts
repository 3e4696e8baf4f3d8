import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeVariants } from '../../packages/server/src/photos/images.js';
import { noisyJpeg } from '../../packages/server/src/testing/images.js';
import { type BenchScenario, fixed, ratio } from '../lib.js';
import { allProcessed, benchServer, device, MIB, paddedJpeg, processed, put, upload, uploadRig } from './photo-devices.js';

/** Runs `work` for devices 0..n-1 at once and answers the wall time in seconds. */
async function concurrently(n: number, work: (index: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, (_, index) => work(index)));
  return (performance.now() - started) / 1000;
}

const DEVICES = 8;
const PHOTOS_PER_DEVICE = 4;
const PHOTO_BYTES = 5 * MIB;
const ROUNDS = 3;

/** 8 writers each writing PHOTOS_PER_DEVICE files the way the store does: flushed, then renamed. */
async function fsWrites(bytes: Buffer): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'shoebox-bench-fs-'));
  try {
    return await concurrently(DEVICES, async () => {
      for (let i = 0; i < PHOTOS_PER_DEVICE; i++) {
        const temp = join(dir, `${randomUUID()}.part`);
        await pipeline(Readable.from([bytes]), createWriteStream(temp, { flush: true }));
        await rename(temp, join(dir, randomUUID()));
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const photoUpload: BenchScenario = {
  name: 'photo-upload',
  title: 'Photo uploads: 5 MiB photos from 8 devices at once',
  description:
    `${DEVICES} devices each upload ${PHOTOS_PER_DEVICE} photos of 5 MiB at once to a Shoebox process on the filesystem store, the whole ` +
    'device flow (create, PUT to the signed URL, complete); the server processes each photo meanwhile. Baseline: the same files written by 8 ' +
    'concurrent writers with node:fs in the bench process, each flushed to disk (fsync) and renamed into place, as the store does. For context, ' +
    'a bare node:http server streaming PUT bodies to files the same way, and Shoebox signed PUTs alone. The photos are a small JPEG padded ' +
    `to 5 MiB (processing is measured by thumbnails/s). ${ROUNDS} alternating rounds; the best of each counts.`,
  async run() {
    const bytes = await paddedJpeg(PHOTO_BYTES);
    const total = (DEVICES * PHOTOS_PER_DEVICE * PHOTO_BYTES) / MIB;
    const { bareUrl, devices, stop } = await uploadRig(DEVICES);
    try {
      await processed(devices[0]!, await upload(devices[0]!, bytes)); // warm-up: first-request costs are not throughput
      const best = { fs: 0, bare: 0, flow: 0, put: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        best.fs = Math.max(best.fs, total / (await fsWrites(bytes)));
        const bareSeconds = await concurrently(DEVICES, async () => {
          for (let i = 0; i < PHOTOS_PER_DEVICE; i++) if ((await put(bareUrl, {}, bytes)) !== 204) throw new Error('bare PUT failed');
        });
        best.bare = Math.max(best.bare, total / bareSeconds);
        const lastIds: string[] = [];
        const flowSeconds = await concurrently(DEVICES, async (index) => {
          for (let i = 0; i < PHOTOS_PER_DEVICE; i++) lastIds[index] = await upload(devices[index]!, bytes);
        });
        best.flow = Math.max(best.flow, total / flowSeconds);
        await allProcessed(devices, lastIds);
        const urls = await Promise.all(
          Array.from({ length: DEVICES * PHOTOS_PER_DEVICE }, (_, i) => created(devices[i % DEVICES]!, bytes.length)),
        );
        const putSeconds = await concurrently(DEVICES, async (index) => {
          for (let i = 0; i < PHOTOS_PER_DEVICE; i++) {
            const { url, headers } = urls[index * PHOTOS_PER_DEVICE + i]!;
            if ((await put(url, headers, bytes)) !== 204) throw new Error('signed PUT failed');
          }
        });
        // Signed PUTs alone complete no photo: they leave the processor nothing to catch up on.
        best.put = Math.max(best.put, total / putSeconds);
      }
      return [
        { metric: 'node:fs write + fsync + rename, MiB/s', value: fixed(best.fs) },
        {
          metric: 'Shoebox device flow (create, PUT, complete), MiB/s',
          value: fixed(best.flow),
          ratio: ratio(best.flow, best.fs),
          goal: '≥ 0.5',
        },
        { metric: 'Shoebox device flow, photos/s', value: fixed((best.flow * MIB) / PHOTO_BYTES, 1) },
        { metric: 'context: Shoebox signed PUT alone, MiB/s', value: fixed(best.put), ratio: ratio(best.put, best.fs) },
        { metric: 'context: bare node:http PUT to file, MiB/s', value: fixed(best.bare), ratio: ratio(best.bare, best.fs) },
      ];
    } finally {
      await stop();
    }
  },
};

/** A new photo's signed upload. */
async function created(api: Awaited<ReturnType<typeof device>>, length: number) {
  const response = await api('/v1/photos', { method: 'POST', body: JSON.stringify({ contentType: 'image/jpeg', contentLength: length }) });
  if (response.status !== 201) throw new Error(`create: ${response.status} ${await response.text()}`);
  const photo = (await response.json()) as { photoId: string; upload: { url: string; headers: Record<string, string> } };
  return { photoId: photo.photoId, ...photo.upload };
}

const MEMORY_DEVICES = 100;
const MEMORY_PHOTO_BYTES = 10 * MIB;

/** The resident set of a process now, and its peak so far (Linux: /proc/<pid>/status). */
function residentMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
  return { now: field('VmRSS'), peak: field('VmHWM') };
}

export const photoMemory: BenchScenario = {
  name: 'photo-memory',
  title: 'Photo uploads: server memory with 100 devices uploading 10 MiB each',
  description:
    `${MEMORY_DEVICES} devices upload one 10 MiB photo each, all at once (1000 MiB in flight), to a Shoebox process on the filesystem store. ` +
    "The server's peak resident memory (VmHWM) is read from /proc once the uploads are done and once every photo is processed " +
    '(the server processes them meanwhile); uploads stream to disk and libvips reads the stored files, so it should not grow ' +
    'with what is in flight.',
  async run() {
    const bytes = await paddedJpeg(MEMORY_PHOTO_BYTES);
    const { server, apiKey } = await benchServer();
    try {
      const pid = server.process.pid ?? 0;
      const devices = await Promise.all(Array.from({ length: MEMORY_DEVICES }, () => device(server.url, apiKey)));
      await processed(devices[0]!, await upload(devices[0]!, bytes));
      const idle = residentMiB(pid).now;
      const photoIds: string[] = [];
      const seconds = await concurrently(MEMORY_DEVICES, async (index) => {
        photoIds[index] = await upload(devices[index]!, bytes);
      });
      const uploading = residentMiB(pid).peak;
      await allProcessed(devices, photoIds);
      const { peak } = residentMiB(pid);
      return [
        { metric: 'server resident memory before the uploads, MB', value: fixed(idle) },
        { metric: 'server peak resident memory while uploading, MB', value: fixed(uploading) },
        { metric: 'server peak resident memory, uploads and their processing, MB', value: fixed(peak), goal: '≤ 150' },
        { metric: 'time for all 100 uploads, s', value: fixed(seconds, 1) },
      ];
    } finally {
      await server.stop();
    }
  },
};

const THUMBNAIL_ROUNDS = 8;

export const thumbnails: BenchScenario = {
  name: 'thumbnails',
  title: 'Photo processing: 12-megapixel JPEGs',
  description:
    `The photo processor's work for one photo (decode, orient, a 2048 px display and a 256 px thumbnail, metadata stripped), on ${THUMBNAIL_ROUNDS} ` +
    '4000×3000 camera-like JPEGs (noise, quality 85), one after another as the stream delivers them, in this process. ' +
    "Baseline: decoding the same JPEG to raw pixels once, sharp's minimum work for a photo.",
  async run() {
    const jpeg = await noisyJpeg(4000, 3000);
    const sharp = (await import('sharp')).default;
    await makeVariants(jpeg, 'image/jpeg', 50_000_000); // warm-up
    let started = performance.now();
    for (let i = 0; i < THUMBNAIL_ROUNDS; i++) await sharp(jpeg).raw().toBuffer();
    const decodesPerSecond = THUMBNAIL_ROUNDS / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let i = 0; i < THUMBNAIL_ROUNDS; i++) {
      const result = await makeVariants(jpeg, 'image/jpeg', 50_000_000);
      if (!result.ok) throw new Error(result.reason);
    }
    const photosPerSecond = THUMBNAIL_ROUNDS / ((performance.now() - started) / 1000);
    return [
      { metric: 'input', value: `4000×3000 JPEG, ${fixed(jpeg.length / MIB, 1)} MiB` },
      { metric: 'full decode to raw pixels, per second', value: fixed(decodesPerSecond, 2) },
      {
        metric: 'photos processed (display + thumbnail), per second',
        value: fixed(photosPerSecond, 2),
        ratio: ratio(photosPerSecond, decodesPerSecond),
      },
    ];
  },
};
