import type { Config } from '../../config.js';
import { dataLayout } from '../../runtime/layout.js';
import { filesEraser } from './eraser.files.js';
import type { Eraser } from './eraser.js';
import { openPostgresEraser } from './eraser.postgres.js';
import { openRedisEraser } from './eraser.redis.js';
import { openS3Eraser } from './eraser.s3.js';

/**
 * One eraser per place the configuration has Shoebox write to, in the order they are erased: the
 * database first (so processes still running fail rather than write more), then photos' objects,
 * counters, and the data folder. Every engine is connected to before any eraser is returned: if
 * one cannot be reached, the others are closed and the error names each unreachable engine, so a
 * destroy never removes some engines' data and then stops at another's.
 */
export async function openErasers(config: Config): Promise<Eraser[]> {
  const opening: Promise<Eraser>[] = [];
  if (config.databaseUrl !== undefined) opening.push(openPostgresEraser(config.databaseUrl, config.databaseSchema));
  if (config.blobStore !== undefined) opening.push(openS3Eraser(config.blobStore));
  if (config.redisUrl !== undefined) opening.push(openRedisEraser(config.redisUrl, config.redisPrefix));
  const settled = await Promise.allSettled(opening);
  const opened = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
  if (failures.length > 0) {
    await Promise.all(opened.map((eraser) => eraser.close()));
    throw new Error(`${failures.join('\n')}\nNothing removed: every configured engine must answer before anything is deleted.`);
  }
  return [...opened, filesEraser(dataLayout(config.dataDir))];
}
