import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, removeTestData, runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { createGuest, ROOMY_PLAN } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { breakBlobWrites, completePhoto, created, getPhoto, putUpload, storedBlobs, waitForPhoto } from '../testing/photos.js';
import { settle } from '../testing/shoebox.js';

/**
 * A photo whose processing keeps failing (storage refuses its variants) until its change goes to
 * the dead-letter table: the photo says so instead of staying `processing`, and an operator's
 * re-drive, once the cause is gone, makes it ready.
 */
describe.each(engines)('a photo whose processing is dead-lettered ($name)', (engine) => {
  const dataDir = tempDir();
  let env: Record<string, string>;
  let server: TestServer;

  beforeAll(async () => {
    env = { ...ROOMY_PLAN, SHOEBOX_DATA_DIR: dataDir, SHOEBOX_STREAM_MAX_ATTEMPTS: '1', ...(await engine.prepare(dataDir)) };
    server = await startTestServer({ engine, dataDir, env });
  });
  afterAll(async () => {
    await server.stop();
    await removeTestData(dataDir, engine);
  });

  it('fails with a reason, and becomes ready once the cause is gone and `shoebox stream retry` re-drives it', async () => {
    const token = (await createGuest(server)).accessToken;
    const bytes = await phoneJpeg();
    const photo = await created(server, token, bytes);
    const repair = await breakBlobWrites(server, engine, photo.photoId, 'thumb');
    expect((await putUpload(photo.upload, bytes)).ok).toBe(true);
    expect((await completePhoto(server, token, photo.photoId)).status).toBe(200);

    const failed = await waitForPhoto(server, token, photo.photoId);
    expect(failed).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/kept failing/), variants: {} });
    // The reason is for the photo's owner: nothing of the storage error behind it.
    expect(failed.failureReason).not.toMatch(/EISDIR|S3|blobs|\//);

    await repair();
    const letters = await runCli(['stream', 'dead-letters', '--consumer', 'photo-processor', '--json'], { env });
    expect(JSON.parse(letters.stdout).deadLetters).toEqual([expect.objectContaining({ entity: 'photo', entityId: photo.photoId })]);
    const retry = await runCli(['stream', 'retry', '--consumer', 'photo-processor'], { env });
    expect(retry.code).toBe(0);
    const ready = await settle(
      async () => json(await getPhoto(server, token, photo.photoId)),
      (current) => current.status !== 'failed',
      { timeoutMs: 30_000 },
    );
    expect(ready).toMatchObject({ status: 'ready', failureReason: null, width: 200, height: 300 });
    expect(await storedBlobs(server, photo.photoId)).toEqual(['display', 'original', 'thumb']);
  }, 60_000);
});
