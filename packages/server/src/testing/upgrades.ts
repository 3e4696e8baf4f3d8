import { type Config, parseConfig } from '../config/config.js';
import { migrator } from '../migrations/migrate.js';
import { dataLayout } from '../runtime/layout.js';
import { openStorage, type Storage } from '../runtime/storage.js';
import type { TestEngine } from './engines.js';

/**
 * A deployment in `dataDir` as the release whose newest migration is `last` left it: its storage
 * open, the schema migrated up to `last` and no further, for an upgrade test to write the rows of
 * that release before it upgrades. The caller closes the storage; `config` opens the deployment
 * again as this release.
 */
export async function openReleaseBefore(engine: TestEngine, dataDir: string, last: string): Promise<{ config: Config; storage: Storage }> {
  const config = parseConfig({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...(await engine.prepare(dataDir)) });
  const storage = await openStorage(config, dataLayout(dataDir), () => {});
  const { error } = await migrator(storage.database).migrateTo(last);
  if (error) {
    await storage.close();
    throw error;
  }
  return { config, storage };
}
