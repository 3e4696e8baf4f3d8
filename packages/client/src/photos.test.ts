import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../server/src/testing/harness.js';
import { ROOMY_PLAN } from '../../server/src/testing/identity.js';
import { noisyJpeg, phoneJpeg } from '../../server/src/testing/images.js';
import { type Progress, ShoeboxError } from './index.js';
import { clientOf } from './testing/clients.js';

describe.each(engines)('photo uploads through the client (%s)', (engine) => {
  let server: TestServer;
  let large: Buffer;
  beforeAll(async () => {
    [server, large] = await Promise.all([startTestServer({ engine, env: ROOMY_PLAN }), noisyJpeg(1200, 900, 95)]);
  });
  afterAll(() => server.stop());

  it('uploads with progress, waits until processed and answers the variants’ URLs', async () => {
    const sb = clientOf(server);
    const progress: Progress[] = [];
    const photo = await sb.photos.upload(large, {
      contentType: 'image/jpeg',
      onProgress: (event) => progress.push(event),
      waitUntilReady: true,
    });
    expect(photo.status).toBe('ready');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({ loaded: large.length, total: large.length });
    expect(progress.map((event) => event.loaded)).toEqual([...progress.map((event) => event.loaded)].sort((a, b) => a - b));
    const thumb = await fetch(String(photo.variants.thumb?.url));
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toMatch(/^image\//);
    expect((await sb.photos.list()).items.map((item) => item.photoId)).toEqual([photo.photoId]);
  });

  it('takes a Blob with its own type, and a phone JPEG comes back without its GPS position', async () => {
    const sb = clientOf(server);
    const photo = await sb.photos.upload(new Blob([await phoneJpeg()], { type: 'image/jpeg' }), { waitUntilReady: { timeoutMs: 60_000 } });
    expect(photo).toMatchObject({ status: 'ready', width: 200, height: 300 });
    const display = Buffer.from(await (await fetch(String(photo.variants.display?.url))).arrayBuffer());
    expect(display.includes(Buffer.from('GPS'))).toBe(false);
  });

  it('cancels an upload under way and leaves no photo behind', async () => {
    const sb = clientOf(server);
    const controller = new AbortController();
    const cancelled = await sb.photos
      .upload(large, { contentType: 'image/jpeg', signal: controller.signal, onProgress: () => controller.abort() })
      .catch((error) => error);
    expect(cancelled).toBeInstanceOf(ShoeboxError);
    expect(cancelled.code).toBe('aborted');
    expect((await sb.photos.list()).items).toEqual([]);
  });

  it('refuses an unsupported type before sending any byte', async () => {
    const sb = clientOf(server);
    const refused = await sb.photos.upload(new Uint8Array([1, 2, 3]), { contentType: 'application/pdf' }).catch((error) => error);
    expect(refused).toMatchObject({ code: 'unsupported_media_type', status: 415 });
    expect((await sb.photos.list()).items).toEqual([]);
  });
});
