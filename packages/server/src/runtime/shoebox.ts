import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createIdentityService } from '../identity/create.js';
import type { IdentityDataOwner } from '../identity/data-owners.js';
import type { IdentityService } from '../identity/service.js';
import { ApiKeyService } from '../keys/service.js';
import { ApiKeyStore } from '../keys/store.js';
import type { Plan } from '../limiter/limiter.js';
import { PlanLimiter } from '../limiter/plan-limiter.js';
import { openPhotos, type Photos } from '../photos/runtime.js';
import { createLogger, createRegistry, degradedStoreReporter, type Logger } from '../shared/observability.js';
import { type DataLayout, dataLayout } from './layout.js';
import { openStorage } from './storage.js';

/** The services of one Shoebox process, wired for the configured engines. */
export interface Shoebox {
  readonly config: Config;
  readonly layout: DataLayout;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly database: Database;
  readonly limiter: PlanLimiter;
  readonly keys: ApiKeyService;
  readonly identities: IdentityService;
  readonly defaultPlan: Plan;
  readonly photos: Photos;
  /** Where clients reach this server (for signed URLs): the configured public URL unless told otherwise. */
  readonly publicUrl: () => string;
  /** Used when the port was chosen at listen time (port 0), so URLs name the real one. */
  useListeningUrl(url: string): void;
  close(): Promise<void>;
}

/** Opens (and on first use creates) the data folder and database, and brings the schema up to date. */
export async function openShoebox(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<Shoebox> {
  const layout = dataLayout(config.dataDir);
  const registry = createRegistry();
  const storage = await openStorage(config, layout, degradedStoreReporter(logger, registry, 'redis'));
  try {
    await migrate(storage.database);
    const limiter = new PlanLimiter(storage.buckets, storage.quotas);
    let publicUrl = config.publicUrl;
    const photos = await openPhotos(config, layout, storage.database, () => publicUrl, logger);
    const identityDataOwners: IdentityDataOwner[] = [photos.dataOwner];
    const identities = await createIdentityService(config, storage.database, storage.loginThrottle, identityDataOwners);
    return {
      config,
      layout,
      logger,
      registry,
      database: storage.database,
      limiter,
      keys: new ApiKeyService(new ApiKeyStore(storage.database), limiter),
      identities,
      defaultPlan: { rate: config.defaultRate, burst: config.defaultBurst, quota: null },
      photos,
      publicUrl: () => publicUrl,
      useListeningUrl(url) {
        publicUrl = url;
      },
      close: () => storage.close(),
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
