import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { ApiKeyService } from '../keys/service.js';
import { ApiKeyStore } from '../keys/store.js';
import { MemoryTokenBuckets } from '../limiter/buckets.memory.js';
import type { Plan } from '../limiter/limiter.js';
import { PlanLimiter } from '../limiter/plan-limiter.js';
import { type DataLayout, dataLayout } from './layout.js';
import { openStorage } from './storage.js';

/** The services of one Shoebox process, wired for the configured engines. */
export interface Shoebox {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly database: Database;
  readonly limiter: PlanLimiter;
  readonly keys: ApiKeyService;
  readonly defaultPlan: Plan;
  close(): Promise<void>;
}

/** Opens (and on first use creates) the data folder and database, and brings the schema up to date. */
export async function openShoebox(config: Config): Promise<Shoebox> {
  const layout = dataLayout(config.dataDir);
  const { database, quotas } = await openStorage(config, layout);
  try {
    await migrate(database);
    const limiter = new PlanLimiter(new MemoryTokenBuckets(), quotas);
    const keys = new ApiKeyService(new ApiKeyStore(database), limiter);
    return {
      config,
      layout,
      database,
      limiter,
      keys,
      defaultPlan: { rate: config.defaultRate, burst: config.defaultBurst, quota: null },
      async close() {
        await limiter.close();
        await database.close();
      },
    };
  } catch (error) {
    await quotas.close();
    await database.close();
    throw error;
  }
}
