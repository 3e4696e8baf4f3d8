import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../blob/fs-store.js';
import type { BlobStore } from '../blob/store.js';
import { UrlSigner } from '../blob/url-signer.js';
import { parseConfig } from '../config/config.js';
import type { Database } from '../db/database.js';
import { IdentityLocks } from '../identity/owner-locks.js';
import { IdentityStore } from '../identity/store.js';
import { migrate } from '../migrations/migrate.js';
import { dataLayout } from '../runtime/layout.js';
import { openStorage, type Storage } from '../runtime/storage.js';
import { engines } from '../testing/engines.js';
import { tempDir } from '../testing/harness.js';
import { corruptJpeg, image, phoneJpeg, pngBomb } from '../testing/images.js';
import type { PhotoChange, PhotoChangeLog } from './changes.js';
import { PhotoLinks } from './links.js';
import { originalKey, uploadKey } from './photo.js';
import { PhotoProcessor } from './processor.js';
import { PhotoQuota } from './quota.js';
import { PhotoService } from './service.js';
import { PhotoStore } from './store.js';

const ROOMY_QUOTAS = { identityBytes: 2 ** 30, apiKeyBytes: 2 ** 40 };

/**
 * The processor as a stream consumer, driven change by change: what a crash, a redelivery or a
 * concurrent delete looks like to it cannot be timed through HTTP, so these tests hand it changes.
 */
describe.each(engines)('photo processor ($name)', (engine) => {
  let dir: string;
  let storage: Storage;
  let database: Database;
  let blobs: FsBlobStore;
  let store: PhotoStore;
  let service: PhotoService;
  const recorded: PhotoChange[] = [];
  const changes: PhotoChangeLog = {
    write: (work) => database.db.transaction().execute(work),
    record: async (_trx, change) => {
      recorded.push(change);
    },
  };
  const processorWith = (store: PhotoStore, blobStore: BlobStore = blobs) =>
    new PhotoProcessor(store, blobStore, changes, new PhotoQuota(store, ROOMY_QUOTAS), 50_000_000);
  const owner = 'idn_processor_test';

  /** A photo whose bytes are stored and that is now `processing`, and the change that says so. */
  const uploaded = async (bytes: Buffer, contentType: 'image/jpeg' | 'image/png' = 'image/jpeg') => {
    const { photo } = await service.create(owner, { contentType, contentLength: bytes.length });
    await blobs.put(uploadKey(photo.photoId), Readable.from([bytes]), { maxBytes: bytes.length, contentType });
    await service.complete(owner, photo.photoId);
    const change = recorded.findLast((c) => c.entityId === photo.photoId && c.newImage?.status === 'processing');
    if (!change) throw new Error('no processing change recorded');
    return { id: photo.photoId, change };
  };
  const filesOf = (id: string) => {
    const folder = join(dir, 'blobs', 'photos', id);
    return existsSync(folder) ? readdirSync(folder).sort() : [];
  };

  beforeAll(async () => {
    dir = tempDir();
    const config = parseConfig({ SHOEBOX_DATA_DIR: dir, ...(await engine.prepare(dir)) });
    storage = await openStorage(config, dataLayout(dir), () => {});
    database = storage.database;
    await migrate(database);
    blobs = await FsBlobStore.open(join(dir, 'blobs'), new UrlSigner(randomBytes(32)), () => 'http://127.0.0.1:1');
    store = new PhotoStore(database);
    const links = new PhotoLinks(blobs, () => 'http://127.0.0.1:1', 900);
    service = new PhotoService(store, blobs, changes, links, new PhotoQuota(store, ROOMY_QUOTAS), new IdentityLocks(database.engine), {
      maxBytes: 25 * 2 ** 20,
      urlTtlSeconds: 900,
    });
    await new IdentityStore(database.db).insert({ id: owner, kind: 'guest', createdAt: Date.now() });
  });
  afterAll(async () => {
    await storage.close();
    await engine.cleanup(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the variants, marks the photo ready and records that as a change', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    await processorWith(store).handle(change);
    const photo = await store.find(id);
    expect(photo).toMatchObject({ status: 'ready', width: 200, height: 300, variants: { thumb: { width: 171, height: 256 } } });
    expect(photo?.storedBytes).toBe((photo?.bytes ?? 0) + (photo?.variants.thumb?.bytes ?? 0) + (photo?.variants.display?.bytes ?? 0));
    expect(filesOf(id)).toEqual(['display', 'original', 'thumb']);
    expect(recorded.at(-1)).toMatchObject({ entity: 'photo', entityId: id, op: 'MODIFY', newImage: { status: 'ready' } });
  });

  it('does nothing when the same change comes again', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    const processor = processorWith(store);
    await processor.handle(change);
    const first = await store.find(id);
    const thumbTag = (await blobs.head(`photos/${id}/thumb`))?.etag;
    const changesBefore = recorded.length;
    await processor.handle(change);
    expect(await store.find(id)).toEqual(first);
    expect((await blobs.head(`photos/${id}/thumb`))?.etag).toBe(thumbTag);
    expect(recorded.length).toBe(changesBefore);
  });

  it.each([
    { name: 'a decompression bomb', bytes: () => pngBomb(), type: 'image/png', reason: /60000 pixels|3600000000 pixels/ },
    { name: 'a corrupt JPEG', bytes: async () => corruptJpeg(), type: 'image/jpeg', reason: /could not be/ },
  ] as const)('fails $name with a reason, and goes on with the next photo', async ({ bytes, type, reason }) => {
    const processor = processorWith(store);
    const bad = await uploaded(await bytes(), type);
    await processor.handle(bad.change);
    expect(await store.find(bad.id)).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(reason), variants: {} });
    expect(filesOf(bad.id)).toEqual(['original']);
    const good = await uploaded(await phoneJpeg());
    await processor.handle(good.change);
    expect((await store.find(good.id))?.status).toBe('ready');
  });

  it('makes no variants from an original replaced after complete checked it, and says so', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    const other = await image('jpeg', 64, 64);
    await blobs.put(originalKey(id), Readable.from([other]), { maxBytes: other.length, contentType: 'image/jpeg' });
    await processorWith(store).handle(change);
    expect(await store.find(id)).toMatchObject({
      status: 'failed',
      failureReason: expect.stringMatching(/no longer the upload/),
      variants: {},
    });
    expect(filesOf(id)).toEqual(['original']);
  });

  it('makes no variants from an original replaced while it was being read, and says so', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    const other = await image('jpeg', 64, 64);
    // The replacement lands once the processor has checked the stored file and is about to read it.
    let heads = 0;
    const replacingBlobs: BlobStore = Object.create(blobs, {
      head: {
        value: async (key: string) => {
          const info = await blobs.head(key);
          if (key === originalKey(id) && ++heads === 1) {
            await blobs.put(key, Readable.from([other]), { maxBytes: other.length, contentType: 'image/jpeg' });
          }
          return info;
        },
      },
    });
    await processorWith(store, replacingBlobs).handle(change);
    expect(heads).toBe(2);
    expect(await store.find(id)).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/no longer the upload/) });
    expect(filesOf(id)).toEqual(['original']);
  });

  it('fails a photo whose original is gone with a reason that names no server path', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    await blobs.delete(originalKey(id));
    await processorWith(store).handle(change);
    const photo = await store.find(id);
    expect(photo).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/missing/), variants: {} });
    expect(photo?.failureReason).not.toContain(dir);
    expect(filesOf(id)).toEqual([]);
  });

  it('reads the original through the store when it keeps no files, as S3 does', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    const streamingBlobs: BlobStore = Object.create(blobs, { localPath: { value: () => undefined } });
    await processorWith(store, streamingBlobs).handle(change);
    expect(await store.find(id)).toMatchObject({ status: 'ready', width: 200, height: 300 });
    expect(filesOf(id)).toEqual(['display', 'original', 'thumb']);
  });

  it('leaves no variants behind when the photo is deleted while they are being made', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    // The delete lands between writing the variants and marking the photo ready.
    const deletingBlobs: BlobStore = Object.create(blobs, {
      put: {
        value: async (...args: Parameters<BlobStore['put']>) => {
          const info = await blobs.put(...args);
          if (args[0].endsWith('/display')) await service.delete(owner, id);
          return info;
        },
      },
    });
    await processorWith(store, deletingBlobs).handle(change);
    expect(await store.find(id)).toBeUndefined();
    expect(filesOf(id)).toEqual([]);
  });

  it('deletes the blobs of a removed photo, even when the deleting process died before it could', async () => {
    const { id, change } = await uploaded(await phoneJpeg());
    const processor = processorWith(store);
    await processor.handle(change);
    // Only the row goes, as if the process had died right after the commit.
    await database.db.transaction().execute((trx) => store.deleteOwned(trx, id, owner));
    expect(filesOf(id)).toEqual(['display', 'original', 'thumb']);
    await processor.handle({ op: 'REMOVE', entityId: id, newImage: null });
    expect(filesOf(id)).toEqual([]);
  });

  it('processes a batch of photos side by side, and throws a storage failure only once the others are done', async () => {
    const photos = await Promise.all(Array.from({ length: 6 }, async () => uploaded(await phoneJpeg())));
    const broken = photos[1]?.id ?? '';
    const failingBlobs: BlobStore = Object.create(blobs, {
      head: {
        value: async (key: string) => {
          if (key === originalKey(broken)) throw new Error('storage unavailable');
          return blobs.head(key);
        },
      },
    });
    await expect(processorWith(store, failingBlobs).handleBatch(photos.map((photo) => photo.change))).rejects.toThrow(
      'storage unavailable',
    );
    for (const { id } of photos) expect((await store.find(id))?.status).toBe(id === broken ? 'processing' : 'ready');
    // What the stream does next: each change again, one by one; the photos already ready are passed by.
    const processor = processorWith(store);
    for (const { change } of photos) await processor.handle(change);
    for (const { id } of photos) expect(filesOf(id)).toEqual(['display', 'original', 'thumb']);
    expect((await store.find(broken))?.status).toBe('ready');
  });

  it("processes up to four photos of a batch side by side, each photo's changes in order", async () => {
    const photos = await Promise.all(Array.from({ length: 6 }, async () => uploaded(await phoneJpeg())));
    let reading = 0;
    let mostAtOnce = 0;
    const slowBlobs: BlobStore = Object.create(blobs, {
      head: {
        value: async (key: string) => {
          mostAtOnce = Math.max(mostAtOnce, ++reading);
          await new Promise((resolveWait) => setTimeout(resolveWait, 20));
          reading--;
          return blobs.head(key);
        },
      },
    });
    const processor = processorWith(store, slowBlobs);
    const handled: string[] = [];
    const handle = processor.handle.bind(processor);
    processor.handle = async (change) => {
      await handle(change);
      handled.push(`${change.entityId} ${change.op}`);
    };
    const [removed] = photos;
    const remove = { op: 'REMOVE' as const, entityId: removed?.id ?? '', newImage: null };
    await processor.handleBatch([...photos.map((photo) => photo.change), remove]);
    expect(mostAtOnce).toBe(4);
    expect(handled.indexOf(`${removed?.id} MODIFY`)).toBeLessThan(handled.indexOf(`${removed?.id} REMOVE`));
    expect(filesOf(removed?.id ?? '')).toEqual([]);
    for (const { id } of photos.slice(1)) expect((await store.find(id))?.status).toBe('ready');
  });

  it('ignores changes that do not ask for processing', async () => {
    const { id } = await uploaded(await phoneJpeg());
    await processorWith(store).handle({ op: 'MODIFY', entityId: id, newImage: { status: 'ready' } });
    expect((await store.find(id))?.status).toBe('processing');
  });
});
