import { parseConfig } from '../../packages/server/src/config/config.js';
import { toPhoto } from '../../packages/server/src/photos/photo.js';
import { PhotoStore } from '../../packages/server/src/photos/store.js';
import { dataLayout } from '../../packages/server/src/runtime/layout.js';
import { openStorage } from '../../packages/server/src/runtime/storage.js';
import { type BenchScenario, best, checked, createBenchApiKey, fixed, type LoadResult, load, ratio } from '../lib.js';
import { createGuests } from './notes-measures.js';
import { benchServer, MIB } from './photo-devices.js';

/** Photos already stored under the busy app's API key. */
const STORED = 100_000;
const ROUNDS = 3;
const ROUND_SECONDS = 4;
const CONNECTIONS = 32;

/**
 * Stores `count` ready photos of 1 MiB under the API key `apiKeyId`, spread over 1,000 identities,
 * through the photo store (which counts them against their quotas), in the bench process.
 */
async function storePhotos(dataDir: string, apiKeyId: string, count: number): Promise<void> {
  const storage = await openStorage(parseConfig({ SHOEBOX_DATA_DIR: dataDir }), dataLayout(dataDir), () => {});
  try {
    const store = new PhotoStore(storage.database);
    const now = Date.now();
    for (let from = 0; from < count; from += 5_000) {
      await storage.database.db.transaction().execute(async (trx) => {
        for (let i = from; i < Math.min(count, from + 5_000); i++) {
          const photo = toPhoto({
            id: `pho_stored${i}`,
            owner_id: `idn_stored${i % 1_000}`,
            api_key_id: apiKeyId,
            status: 'ready',
            visibility: 'private',
            content_type: 'image/jpeg',
            bytes: MIB,
            stored_bytes: MIB + 200_000,
            width: 4000,
            height: 3000,
            variants: null,
            failure_reason: null,
            original_etag: null,
            upload_expires_at: now,
            upload_claimed_at: null,
            version: 2,
            created_at: now,
            updated_at: now,
          });
          await store.insert(trx, photo);
        }
      });
    }
  } finally {
    await storage.close();
  }
}

/** An app (API key) with a guest of its own: what creating a photo through it needs. */
async function app(url: string, dataDir: string) {
  const { id, key } = await createBenchApiKey({ SHOEBOX_DATA_DIR: dataDir });
  const [guest] = await createGuests(url, key, 1);
  return {
    apiKeyId: id,
    headers: { 'x-api-key': key, authorization: `Bearer ${guest!.accessToken}`, 'content-type': 'application/json' },
  };
}

export const photoQuota: BenchScenario = {
  name: 'photo-quota',
  title: 'Photo quotas: creating photos with 100,000 stored under the API key',
  description:
    `POST /v1/photos (declaring a 1 KiB JPEG: the quota checks, the upload URL) with autocannon, ${CONNECTIONS} connections, ` +
    `through an API key that already holds ${STORED.toLocaleString('en')} photos over 1,000 identities, against a key that ` +
    `holds none, on one Shoebox process on the embedded engine. ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s; the best ` +
    'of each counts. Checking a quota should cost the same however many photos the app has.',
  async run() {
    const { server } = await benchServer({
      SHOEBOX_PHOTO_QUOTA_BYTES: String(1024 * MIB),
      SHOEBOX_PHOTO_QUOTA_BYTES_PER_KEY: String(1024 ** 4),
    });
    try {
      const [empty, busy] = [await app(server.url, server.dataDir), await app(server.url, server.dataDir)];
      await storePhotos(server.dataDir, busy.apiKeyId, STORED);
      const creates = async (headers: Record<string, string>) =>
        checked(
          'POST /v1/photos',
          await load({
            url: `${server.url}/v1/photos`,
            method: 'POST',
            headers,
            body: JSON.stringify({ contentType: 'image/jpeg', contentLength: 1024 }),
            connections: CONNECTIONS,
            duration: ROUND_SECONDS,
          }),
        );
      let none: LoadResult | undefined;
      let many: LoadResult | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        none = best(none, await creates(empty.headers));
        many = best(many, await creates(busy.headers));
      }
      if (!none || !many) throw new Error('no rounds ran');
      return [
        { metric: 'POST /v1/photos, API key holding no photos, requests/s', value: fixed(none.requestsPerSecond) },
        {
          metric: `POST /v1/photos, API key holding ${STORED.toLocaleString('en')} photos, requests/s`,
          value: fixed(many.requestsPerSecond),
          ratio: ratio(many.requestsPerSecond, none.requestsPerSecond),
          goal: '≥ 0.9',
        },
        {
          metric: '… latency p50 / p99, without / with the stored photos',
          value: `${none.p50Ms} / ${none.p99Ms} ms, ${many.p50Ms} / ${many.p99Ms} ms`,
        },
      ];
    } finally {
      await server.stop();
    }
  },
};
