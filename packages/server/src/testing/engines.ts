import { createHash } from 'node:crypto';
import { createDatabase, dropDatabase } from './databases.js';
import { blobUrlFor, bucketFor, createBucket, removeBucket } from './s3.js';

/**
 * The engine configurations the behavioural suite runs against. Suites loop over `engines`
 * (like Kysely's tests loop over dialects) instead of being copied per engine. The embedded
 * engine always runs; the scale-out engine (PostgreSQL, a local S3 server started by the suite,
 * plus Redis when SHOEBOX_TEST_REDIS_URL is set) runs when SHOEBOX_TEST_DATABASE_URL names a server whose user may create databases.
 * CI always sets both.
 */
export interface TestEngine {
  readonly name: string;
  /** Environment for a server whose data lives in `dataDir`; the same folder gets the same database. */
  prepare(dataDir: string): Promise<Record<string, string>>;
  /** Removes what `prepare` created for `dataDir`. */
  cleanup(dataDir: string): Promise<void>;
}

export const embedded: TestEngine = {
  name: 'embedded',
  prepare: async () => ({}),
  cleanup: async () => {},
};

/**
 * Test servers lift the guest limit per client address: every test client is 127.0.0.1, and with
 * Redis every server of a run, spawned ones included, counts on the same key. The engine's
 * environment carries it for that reason; suites of that limit set their own.
 */
export const ROOMY_GUESTS = { SHOEBOX_GUESTS_PER_ADDRESS: '1000000' };

const adminUrl = process.env.SHOEBOX_TEST_DATABASE_URL;
const redisUrl = process.env.SHOEBOX_TEST_REDIS_URL;

/** One database per test data folder, so suites running in parallel never share rows. */
const databaseFor = (dataDir: string) => `shoebox_test_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;

export const scaleOut: TestEngine = {
  name: redisUrl ? 'postgres + s3 + redis' : 'postgres + s3',
  async prepare(dataDir) {
    const databaseUrl = await createDatabase(adminUrl!, databaseFor(dataDir));
    const bucket = bucketFor(dataDir);
    await createBucket(bucket);
    return {
      SHOEBOX_DATABASE_URL: databaseUrl,
      SHOEBOX_BLOB_URL: await blobUrlFor(bucket),
      ...(redisUrl && { SHOEBOX_REDIS_URL: redisUrl, ...ROOMY_GUESTS }),
    };
  },
  async cleanup(dataDir) {
    await dropDatabase(adminUrl!, databaseFor(dataDir));
    await removeBucket(bucketFor(dataDir));
  },
};

export const engines: readonly TestEngine[] = adminUrl ? [embedded, scaleOut] : [embedded];
