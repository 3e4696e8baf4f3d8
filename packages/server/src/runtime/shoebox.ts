import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openSqlite } from '../db/sqlite.js';
import { ApiKeyService } from '../keys/service.js';
import { ApiKeyStore } from '../keys/store.js';
import { MemoryTokenBuckets } from '../limiter/buckets.memory.js';
import type { Plan } from '../limiter/limiter.js';
import { PlanLimiter } from '../limiter/plan-limiter.js';
import { openSqliteQuotas } from '../limiter/quotas.sqlite.js';
import { openPhotos, type Photos } from '../photos/runtime.js';
import { type DataLayout, dataLayout } from './layout.js';

/** The services of one Shoebox process, wired for the configured engines. */
export interface Shoebox {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly database: Database;
  readonly limiter: PlanLimiter;
  readonly keys: ApiKeyService;
  readonly defaultPlan: Plan;
  readonly photos: Photos;
  /** Where clients reach this server (for signed URLs): the configured public URL unless told otherwise. */
  readonly publicUrl: () => string;
  /** Used when the port was chosen at listen time (port 0), so URLs name the real one. */
  useListeningUrl(url: string): void;
  close(): Promise<void>;
}

/** Opens (and on first use creates) the data folder and database, and brings the schema up to date. */
export async function openShoebox(config: Config): Promise<Shoebox> {
  const layout = dataLayout(config.dataDir);
  const database = openSqlite(layout.databaseFile);
  try {
    await migrate(database);
    const limiter = new PlanLimiter(new MemoryTokenBuckets(), await openSqliteQuotas(layout.quotaFile));
    const keys = new ApiKeyService(new ApiKeyStore(database), limiter);
    let publicUrl = config.publicUrl;
    const photos = await openPhotos(
      config,
      layout,
      database,
      () => publicUrl,
      (error) => {
        process.stderr.write(`photo processing failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      },
    );
    return {
      config,
      layout,
      database,
      limiter,
      keys,
      defaultPlan: { rate: config.defaultRate, burst: config.defaultBurst, quota: null },
      photos,
      publicUrl: () => publicUrl,
      useListeningUrl(url) {
        publicUrl = url;
      },
      async close() {
        await limiter.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
