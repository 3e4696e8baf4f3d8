import type { Config } from '../../config.js';
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
  // Each engine's client is loaded only when that engine is configured.
  const { databaseUrl, blobStore, redisUrl } = config;
  const opening: Promise<Eraser>[] = [];
  if (databaseUrl !== undefined)
    opening.push(import('./eraser.postgres.js').then(({ openPostgresEraser }) => openPostgresEraser(databaseUrl, config.databaseSchema)));
  if (blobStore !== undefined) opening.push(import('./eraser.s3.js').then(({ openS3Eraser }) => openS3Eraser(blobStore)));
  if (redisUrl !== undefined)
    opening.push(import('./eraser.redis.js').then(({ openRedisEraser }) => openRedisEraser(redisUrl, config.redisPrefix)));
  const settled = await Promise.allSettled(opening);
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
  if (failures.length > 0) {
    await Promise.all(opened.map((eraser) => eraser.close()));
    throw new Error(`${failures.join('\n')}\nNothing removed: every configured engine must answer before anything is deleted.`);
  }
  return [...opened, filesEraser(dataLayout(config.dataDir))];
}
