import type { Config } from '../../config/config.js';
import { dataLayout } from '../../runtime/layout.js';
import { filesEraser } from './eraser.files.js';
import type { Eraser } from './eraser.js';

/**
 * One eraser per place the configuration has Shoebox write to, in the order they are erased: the
 * database first (so processes still running fail rather than write more), then photos' objects,
 * counters, and the data folder. Every engine is connected to before any eraser is returned: if
 * one cannot be reached, the others are closed and the error names each unreachable engine, so a
 * destroy never removes some engines' data and then stops at another's.
 */
export async function openErasers(config: Config): Promise<Eraser[]> {
  // Each engine's client is loaded only when that engine is configured, and all of them before any
  // connects: loading the AWS SDK holds the event loop long enough to time out a Redis ping in flight.
  const { databaseUrl, blobStore, redisUrl } = config;
  const [postgres, s3, redis] = await Promise.all([
    databaseUrl === undefined ? undefined : import('./eraser.postgres.js'),
    blobStore === undefined ? undefined : import('./eraser.s3.js'),
    redisUrl === undefined ? undefined : import('./eraser.redis.js'),
  ]);
  const opening: Promise<Eraser>[] = [];
  if (postgres && databaseUrl !== undefined) opening.push(postgres.openPostgresEraser(databaseUrl, config.databaseSchema));
  if (s3 && blobStore !== undefined) opening.push(s3.openS3Eraser(blobStore));
  if (redis && redisUrl !== undefined) opening.push(redis.openRedisEraser(redisUrl, config.redisPrefix));
  const settled = await Promise.allSettled(opening);
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
  if (failures.length > 0) {
    await Promise.all(opened.map((eraser) => eraser.close()));
    throw new Error(`${failures.join('\n')}\nNothing removed: every configured engine must answer before anything is deleted.`);
  }
  return [...opened, filesEraser(dataLayout(config.dataDir))];
}
