import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openSqlite } from '../db/sqlite.js';
import { createIdentityService } from '../identity/create.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import { memoryLoginThrottle } from '../identity/login-throttle.memory.js';
import type { IdentityService } from '../identity/service.js';
import { ApiKeyService } from '../keys/service.js';
import { ApiKeyStore } from '../keys/store.js';
import { MemoryTokenBuckets } from '../limiter/buckets.memory.js';
import type { Plan } from '../limiter/limiter.js';
import { PlanLimiter } from '../limiter/plan-limiter.js';
import { openSqliteQuotas } from '../limiter/quotas.sqlite.js';
import { type DataLayout, dataLayout } from './layout.js';

/** The services of one Shoebox process, wired for the configured engines. */
export interface Shoebox {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly database: Database;
  readonly limiter: PlanLimiter;
  readonly keys: ApiKeyService;
  readonly identities: IdentityService;
  readonly defaultPlan: Plan;
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
    // Capabilities that own data per identity add theirs here (notes, photos).
    const identityDataOwners: IdentityDataOwner[] = [];
    const identities = await createIdentityService(config, database, memoryLoginThrottle(config.identity), identityDataOwners);
    return {
      config,
      layout,
      database,
      limiter,
      keys,
      identities,
      defaultPlan: { rate: config.defaultRate, burst: config.defaultBurst, quota: null },
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
