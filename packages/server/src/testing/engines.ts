import { createHash } from 'node:crypto';
import { createDatabase, dropDatabase } from './databases.js';
import { blobUrlFor, bucketFor, createBucket, removeBucket } from './s3.js';

/**
 * The engine configurations the behavioural suite runs against. Suites loop over `engines`
 * (like Kysely's tests loop over dialects) instead of being copied per engine. An engine is one
 * choice per part the configuration lets vary: the database (SQLite, or PostgreSQL when
 * SHOEBOX_TEST_DATABASE_URL names a server whose user may create databases), the blob store (files,
 * or a local S3 server the suite starts) and the limits (process memory, or Redis when
 * SHOEBOX_TEST_REDIS_URL is set). By default the suite runs the two corners, `embedded` and
 * `scaleOut`; SHOEBOX_TEST_ENGINES=all runs every combination this machine can run (CI does, for
 * the suites where the parts meet: see .ci/run).
 */
export interface TestEngine {
  readonly name: string;
  readonly database: 'sqlite' | 'postgres';
  readonly blobs: 'files' | 's3';
  readonly limits: 'memory' | 'redis';
  /** Environment for a server whose data lives in `dataDir`; the same folder gets the same database. */
  prepare(dataDir: string): Promise<Record<string, string>>;
  /** Removes what `prepare` created for `dataDir`. */
  cleanup(dataDir: string): Promise<void>;
}

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

type Parts = Pick<TestEngine, 'database' | 'blobs' | 'limits'>;

function engineOf(parts: Parts, name = `${parts.database} + ${parts.blobs} + ${parts.limits}`): TestEngine {
  return {
    name,
    ...parts,
    async prepare(dataDir) {
      const env: Record<string, string> = {};
      if (parts.database === 'postgres') env.SHOEBOX_DATABASE_URL = await createDatabase(required(adminUrl), databaseFor(dataDir));
      if (parts.blobs === 's3') {
        await createBucket(bucketFor(dataDir));
        env.SHOEBOX_BLOB_URL = await blobUrlFor(bucketFor(dataDir));
      }
      if (parts.limits === 'redis') Object.assign(env, { SHOEBOX_REDIS_URL: required(redisUrl), ...ROOMY_GUESTS });
      return env;
    },
    async cleanup(dataDir) {
      if (parts.database === 'postgres') await dropDatabase(required(adminUrl), databaseFor(dataDir));
      if (parts.blobs === 's3') await removeBucket(bucketFor(dataDir));
    },
  };
}

const required = (url: string | undefined): string => {
  if (!url) throw new Error('This engine needs SHOEBOX_TEST_DATABASE_URL (and SHOEBOX_TEST_REDIS_URL for Redis); see DEVELOPERS.md.');
  return url;
};

export const embedded: TestEngine = engineOf({ database: 'sqlite', blobs: 'files', limits: 'memory' }, 'embedded');

export const scaleOut: TestEngine = engineOf(
  { database: 'postgres', blobs: 's3', limits: redisUrl ? 'redis' : 'memory' },
  redisUrl ? 'postgres + s3 + redis' : 'postgres + s3',
);

/** Every combination the configuration accepts that this machine can run, the two corners first. */
function everyEngine(): TestEngine[] {
  const corners = [embedded, ...(adminUrl ? [scaleOut] : [])];
  const databases: Parts['database'][] = adminUrl ? ['sqlite', 'postgres'] : ['sqlite'];
  const limits: Parts['limits'][] = redisUrl ? ['memory', 'redis'] : ['memory'];
  const combinations = databases.flatMap((database) =>
    (['files', 's3'] as const).flatMap((blobs) => limits.map((limit) => ({ database, blobs, limits: limit }))),
  );
  const isCorner = (parts: Parts) =>
    corners.some((engine) => engine.database === parts.database && engine.blobs === parts.blobs && engine.limits === parts.limits);
  return [...corners, ...combinations.filter((parts) => !isCorner(parts)).map((parts) => engineOf(parts))];
}

export const engines: readonly TestEngine[] =
  process.env.SHOEBOX_TEST_ENGINES === 'all' ? everyEngine() : adminUrl ? [embedded, scaleOut] : [embedded];
