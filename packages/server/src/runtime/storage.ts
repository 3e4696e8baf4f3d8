import { existsSync } from 'node:fs';
import { FsBlobStore } from '../blob/fs-store.js';
import type { BlobStore } from '../blob/store.js';
import { loadUrlSigningKey, UrlSigner } from '../blob/url-signer.js';
import type { Config } from '../config/config.js';
import type { CacheGenerations } from '../db/cache-generations.js';
import { SqliteCacheGenerations } from '../db/cache-generations.sqlite.js';
import type { Database } from '../db/database.js';
import type { PostgresDatabase } from '../db/postgres.js';
import { openSqlite } from '../db/sqlite.js';
import { MemoryTokenBuckets } from '../limiter/buckets.memory.js';
import { bucketsWithFallback, quotasWithFallback } from '../limiter/fallback.js';
import type { QuotaCounters, TokenBuckets } from '../limiter/limiter.js';
import { memoryQuotas } from '../limiter/quotas.memory.js';
import { openSqliteQuotas } from '../limiter/quotas.sqlite.js';
import type { WindowLimiters } from '../limiter/window-limiters.js';
import { memoryWindowLimiters } from '../limiter/window-limiters.memory.js';
import type { OneStatementNoteWrites } from '../notes/writes.js';
import type { SearchIndex } from '../search/index.js';
import { SqliteSearchIndex } from '../search/index.sqlite.js';
import { linkToPrimary, linkToWorkers } from '../shared/cluster-link.js';
import { NoDeploymentError } from '../shared/no-deployment.js';
import type { ChangeClaims } from '../stream/claims.js';
import { SqliteChangeClaims } from '../stream/claims.sqlite.js';
import { ClusterChangeSignal } from '../stream/signal.cluster.js';
import { ChangeSignal } from '../stream/signal.js';
import type { DataLayout } from './layout.js';

export interface Storage {
  readonly database: Database;
  readonly buckets: TokenBuckets;
  readonly quotas: QuotaCounters;
  /** Attempt counters of the login and guest throttles: per process, or in Redis when several processes share the work. */
  readonly windowLimiters: WindowLimiters;
  /** How processors claim the change stream. */
  readonly claims: ChangeClaims;
  /** Rung by writers, waited on by processors: within the process, or across processes through PostgreSQL. */
  readonly signal: ChangeSignal;
  /** Rung once the change publication moved (changes/published.ts), waited on by the realtime hub; across processes on PostgreSQL. */
  readonly publication: ChangeSignal;
  readonly searchIndex: SearchIndex;
  /** Tells caches of API keys, identities and signing keys when their tables changed, in any process. */
  readonly cacheGenerations: CacheGenerations;
  /** Note writes in one statement, where the engine saves round trips by them. */
  readonly noteWrites: OneStatementNoteWrites | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Whether a deployment that does not exist yet is created (the default, for `serve` and
   * `worker`); otherwise opening fails with a NoDeploymentError naming where it looked.
   */
  readonly create?: boolean;
  /**
   * The command that runs the deployment in this process (`serve`, `worker`), unset for commands
   * that only look or change data: long-running processes checkpoint SQLite in the background.
   */
  readonly runs?: 'serve' | 'worker';
  /**
   * The part this process plays in a `serve` that forked HTTP processes (runtime/http-processes.ts):
   * the primary keeps what they share (token buckets, throttles, the embedded engine's doorbells),
   * and they reach it over IPC. Unset: a process on its own.
   */
  readonly cluster?: 'primary' | 'http';
}

/**
 * The one place where configuration picks engines: SQLite in the data folder or PostgreSQL for
 * data, the change stream's claims and doorbell, and search; process memory (plus the database for
 * quotas) or Redis for usage plans.
 * `onLimiterFailure` hears of every Redis failure that the per-process fallback absorbed.
 * The scale-out engines' adapters are imported only when configured: their clients (pg, ioredis,
 * the AWS SDK) cost the embedded engine a good part of its start and memory for nothing.
 */
export async function openStorage(
  config: Config,
  layout: DataLayout,
  onLimiterFailure: (error: unknown) => void,
  options: OpenOptions = {},
): Promise<Storage> {
  const { create = true } = options;
  if (!create && config.databaseUrl === undefined && !existsSync(layout.databaseFile)) throw new NoDeploymentError(layout.root);
  const postgres =
    config.databaseUrl === undefined
      ? undefined
      : await (await import('../db/postgres.js')).openPostgres(config.databaseUrl, {
          poolSize: config.databasePoolSize,
          poolTimeoutMs: config.databasePoolTimeoutMs,
          schema: config.databaseSchema,
          createSchema: create,
        });
  const database = postgres ?? openSqlite(layout.databaseFile, { backgroundCheckpoints: options.runs !== undefined });
  try {
    const limits = await openLimits(config, onLimiterFailure, options.cluster, async () =>
      postgres
        ? (await import('../limiter/quotas.postgres.js')).openPostgresQuotas(postgres.pool, config.databaseSchema)
        : openSqliteQuotas(layout.quotaFile),
    );
    const adapters = postgres
      ? await postgresAdapters(postgres, config.databaseSchema)
      : sqliteAdapters(database, layout.databaseFile, options.cluster);
    return {
      database,
      ...limits,
      ...adapters,
      async close() {
        await adapters.signal.close();
        await adapters.publication.close();
        await adapters.cacheGenerations.close();
        await limits.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function openLimits(
  config: Config,
  onFailure: (error: unknown) => void,
  cluster: OpenOptions['cluster'],
  openDatabaseQuotas: () => Promise<QuotaCounters>,
) {
  if (config.redisUrl === undefined) {
    const quotas = await openDatabaseQuotas();
    return { ...(await processLimits(cluster)), quotas, close: () => quotas.close() };
  }
  const [{ connectRedis }, { RedisTokenBuckets }, { openRedisQuotas }, { redisWindowLimiters }] = await Promise.all([
    import('../limiter/redis.js'),
    import('../limiter/buckets.redis.js'),
    import('../limiter/quotas.redis.js'),
    import('../limiter/window-limiters.redis.js'),
  ]);
  const redis = await connectRedis(config.redisUrl);
  return {
    buckets: bucketsWithFallback(new RedisTokenBuckets(redis, config.redisPrefix), new MemoryTokenBuckets(), onFailure),
    quotas: quotasWithFallback(openRedisQuotas(redis, config.redisPrefix), memoryQuotas(), onFailure),
    windowLimiters: redisWindowLimiters(redis, config.redisPrefix),
    async close() {
      redis.disconnect();
    },
  };
}

/** Token buckets and throttles without Redis: in this process, or in the primary for every HTTP process it forked. */
async function processLimits(cluster: OpenOptions['cluster']): Promise<Pick<Storage, 'buckets' | 'windowLimiters'>> {
  if (cluster === 'http') {
    const [{ ClusterTokenBuckets }, { clusterWindowLimiters }] = await Promise.all([
      import('../limiter/buckets.cluster.js'),
      import('../limiter/window-limiters.cluster.js'),
    ]);
    return { buckets: new ClusterTokenBuckets(linkToPrimary()), windowLimiters: clusterWindowLimiters };
  }
  const buckets = new MemoryTokenBuckets();
  if (cluster === 'primary') {
    const [{ serveTokenBuckets }, { serveWindowLimiters }] = await Promise.all([
      import('../limiter/buckets.cluster.js'),
      import('../limiter/window-limiters.cluster.js'),
    ]);
    serveTokenBuckets(linkToWorkers(), buckets);
    serveWindowLimiters();
  }
  return { buckets, windowLimiters: memoryWindowLimiters };
}

/** The embedded engine's doorbells: within the process, or shared with the other processes of one `serve`. */
function sqliteSignal(channel: string, cluster: OpenOptions['cluster']): ChangeSignal {
  if (cluster === undefined) return new ChangeSignal();
  return new ClusterChangeSignal(cluster === 'http' ? linkToPrimary() : linkToWorkers(), channel);
}

const sqliteAdapters = (database: Database, file: string, cluster: OpenOptions['cluster']) => ({
  claims: new SqliteChangeClaims(database),
  signal: sqliteSignal('changes', cluster),
  publication: sqliteSignal('published', cluster),
  searchIndex: new SqliteSearchIndex(database),
  cacheGenerations: new SqliteCacheGenerations(file),
  noteWrites: undefined,
});

async function postgresAdapters(database: PostgresDatabase, schema: string) {
  const [claims, signal, search, generations, writes] = await Promise.all([
    import('../stream/claims.postgres.js'),
    import('../stream/signal.postgres.js'),
    import('../search/index.postgres.js'),
    import('../db/cache-generations.postgres.js'),
    import('../notes/writes.postgres.js'),
  ]);
  return {
    claims: new claims.PostgresChangeClaims(database),
    signal: new signal.PostgresChangeSignal(database, signal.changeChannel(schema)),
    publication: new signal.PostgresChangeSignal(database, signal.publicationChannel(schema)),
    searchIndex: new search.PostgresSearchIndex(database),
    cacheGenerations: new generations.PostgresCacheGenerations(database, schema),
    noteWrites: new writes.PostgresNoteWrites(database),
  };
}

export interface Blobs {
  readonly store: BlobStore;
  close(): void;
}

/**
 * Photos' bytes: files in the data folder, or an S3-compatible bucket (checked at start).
 * `publicUrl` is the server's base URL, which the filesystem store's URLs point to.
 */
export async function openBlobs(
  config: Config,
  layout: DataLayout,
  publicUrl: () => string,
  { create = true }: OpenOptions = {},
): Promise<Blobs> {
  if (config.blobStore !== undefined) {
    const { S3BlobStore } = await import('../blob/s3-store.js');
    const store = await S3BlobStore.open(config.blobStore);
    return { store, close: () => store.close() };
  }
  // With the database elsewhere (PostgreSQL), the blob folder is what the data folder must hold.
  if (!create && !existsSync(layout.blobsDir)) throw new NoDeploymentError(layout.root);
  const store = await FsBlobStore.open(layout.blobsDir, new UrlSigner(loadUrlSigningKey(layout.secretsDir)), publicUrl);
  return { store, close: () => {} };
}
