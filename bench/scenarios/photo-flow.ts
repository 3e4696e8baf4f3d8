import { type BenchRow, type BenchScenario, fixed, percentile, ratio } from '../lib.js';
import { allProcessed, type device, MIB, paddedJpeg, put, upload, uploadRig } from './photo-devices.js';

const DEVICES = 32;
const PHOTO_BYTES = 1 * MIB;
const SECONDS = 10;
/** Uploads before the measured ones, not counted: connections opening, code paths compiling. */
const WARMUP_SECONDS = 2;

type Device = Awaited<ReturnType<typeof device>>;

/**
 * Every device uploading one photo after another for `seconds`: answers each flow's duration in
 * milliseconds and each device's last photo.
 */
async function uploadsFor(devices: readonly Device[], bytes: Buffer, seconds: number) {
  const until = performance.now() + seconds * 1000;
  const durations: number[] = [];
  const last: string[] = [];
  await Promise.all(
    devices.map(async (api, index) => {
      while (performance.now() < until) {
        const started = performance.now();
        last[index] = await upload(api, bytes);
        durations.push(performance.now() - started);
      }
    }),
  );
  return { durations, last };
}

/** The bare server's PUTs of the same bodies, `DEVICES` at once, for `seconds`: answers PUTs per second. */
async function barePuts(url: string, bytes: Buffer, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: DEVICES }, async () => {
      while (performance.now() < until) {
        if ((await put(url, {}, bytes)) !== 204) throw new Error('bare PUT failed');
        count++;
      }
    }),
  );
  return count / seconds;
}

/**
 * The measured flow on a server with `processes` HTTP processes: uploads for SECONDS after a
 * warm-up, then the wait until every photo is processed; and the bare server's PUTs.
 */
async function flowThrough(processes: number, bytes: Buffer) {
  const { bareUrl, devices, stop } = await uploadRig(DEVICES, { SHOEBOX_HTTP_PROCESSES: String(processes) });
  try {
    const warm = await uploadsFor(devices, bytes, WARMUP_SECONDS);
    await allProcessed(devices, warm.last);
    const { durations, last } = await uploadsFor(devices, bytes, SECONDS);
    const stopped = performance.now();
    await allProcessed(devices, last);
    const drain = (performance.now() - stopped) / 1000;
    return { durations, drain, baseline: processes === 1 ? await barePuts(bareUrl, bytes, SECONDS) : 0 };
  } finally {
    await stop();
  }
}

function flowRows(server: string, { durations, drain }: { durations: readonly number[]; drain: number }, baseline: number): BenchRow[] {
  const flow = durations.length / SECONDS;
  return [
    {
      metric: `Shoebox device flow (create, PUT, complete), ${server}, photos/s`,
      value: fixed(flow),
      ratio: ratio(flow, baseline),
      goal: '≥ 190/s',
    },
    { metric: '… one flow, p50 / p99', value: `${fixed(percentile(durations, 50))} ms / ${fixed(percentile(durations, 99))} ms` },
    { metric: '… processing: from the last upload to every photo processed, s', value: fixed(drain, 1), goal: 'keeps up (≤ 1 s)' },
    { metric: '… photos processed per second, upload start to last processed', value: fixed(durations.length / (SECONDS + drain)) },
  ];
}

export const photoFlow: BenchScenario = {
  name: 'photo-flow',
  title: 'Photo uploads: 1 MiB photos, 32 devices uploading one after another',
  description:
    `${DEVICES} devices upload 1 MiB photos one after another for ${SECONDS} s (after ${WARMUP_SECONDS} s not counted) to a Shoebox ` +
    'server on the filesystem store (one process, then SHOEBOX_HTTP_PROCESSES=2), the whole device flow: create, PUT to the signed ' +
    'URL, complete. The server processes each ' +
    'photo (display and thumbnail variants) meanwhile; when the uploads stop, the time until the last photo of every device is ' +
    'processed says whether processing kept up. Baseline: a bare node:http server streaming the same PUT bodies to files, flushed ' +
    'and renamed, 32 at once. The photos are a small JPEG padded to 1 MiB: the figures measure moving bytes and the flow ' +
    '(processing 12-megapixel photos is measured by thumbnails/s).',
  async run() {
    const bytes = await paddedJpeg(PHOTO_BYTES);
    const one = await flowThrough(1, bytes);
    const two = await flowThrough(2, bytes);
    return [
      { metric: `bare node:http PUT to file, 1 MiB bodies, PUTs/s (${DEVICES} at once)`, value: fixed(one.baseline) },
      ...flowRows('one process', one, one.baseline),
      ...flowRows('SHOEBOX_HTTP_PROCESSES=2', two, one.baseline),
    ];
  },
};
