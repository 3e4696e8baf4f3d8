import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { migrations } from '../migrations/index.js';
import { secureDataFolder } from '../runtime/data-folder.js';
import { type DataLayout, dataLayout, sqliteFiles } from '../runtime/layout.js';
import { runningProcesses } from '../runtime/running-processes.js';
import { SHOEBOX_VERSION } from '../shared/version.js';
import { unpackArchive } from './archive.js';
import { type BackupManifest, CorruptBackupError, verifiedManifest } from './manifest.js';
import { SNAPSHOT } from './snapshot.sqlite.js';

export interface RestoreOptions {
  /** Replace what the data folder holds; otherwise only an empty (or absent) data folder is restored into. */
  readonly replace?: boolean;
  /** Hears how many bytes of the backup's files have been checked, of how many. */
  readonly onProgress?: (checked: number, total: number) => void;
}

/**
 * Restores the backup `file` into the data folder `config` names, answering its manifest. Nothing
 * in the data folder changes until the whole backup has been read and every file matches its
 * checksum; it refuses while a Shoebox process runs on the folder (it would keep answering from
 * the files it has open and overwrite what was restored).
 */
export async function restoreBackup(config: Config, file: string, options: RestoreOptions = {}): Promise<BackupManifest> {
  if (config.databaseUrl !== undefined) {
    throw new Error(
      'shoebox restore restores the embedded engine. With SHOEBOX_DATABASE_URL set, restore PostgreSQL with pg_restore (or point-in-time recovery) ' +
        'and the bucket from its versions; see "Backups" in README.md. Nothing was restored.',
    );
  }
  if (!existsSync(file)) throw new Error(`There is no backup at ${file}. Nothing was restored.`);
  const layout = dataLayout(config.dataDir);
  refuseWhileRunning(layout);
  const held = await heldData(layout);
  if (held.length > 0 && !options.replace) {
    throw new Error(
      `The data folder ${layout.root} is not empty (it holds ${held.join(', ')}). Restore into an empty folder (set SHOEBOX_DATA_DIR to a new one), ` +
        'or pass --replace to replace what it holds. Nothing was restored.',
    );
  }
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  secureDataFolder(layout.root);
  // Inside the data folder, so the restored parts move into place by renaming.
  const staging = await mkdtemp(join(layout.root, '.restore-'));
  try {
    const manifest = await readBackup(file, staging, options.onProgress);
    refuseWhileRunning(layout);
    if (options.replace) await removeData(layout);
    for (const [name, place] of placesOf(layout)) {
      if (existsSync(join(staging, name))) await rename(join(staging, name), place);
    }
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readBackup(file: string, staging: string, onProgress: RestoreOptions['onProgress']): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    await unpackArchive(file, staging).catch((error: Error) => {
      throw new CorruptBackupError(`it cannot be read to its end (${error.message})`);
    });
    manifest = await verifiedManifest(staging, onProgress);
  } catch (error) {
    if (!(error instanceof CorruptBackupError)) throw error;
    throw new Error(`The backup ${file} is damaged or not a Shoebox backup: ${error.message}. Nothing was restored.`);
  }
  const known = new Set(migrations.map((migration) => migration.name));
  const unknown = manifest.migrations.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `The backup was written by Shoebox ${manifest.shoebox}, whose database has migrations this Shoebox (${SHOEBOX_VERSION}) does not know ` +
        `(${unknown.join(', ')}). Restore it with Shoebox ${manifest.shoebox} or newer. Nothing was restored.`,
    );
  }
  return manifest;
}

function refuseWhileRunning(layout: DataLayout): void {
  const running = runningProcesses(layout.processesDir);
  if (running.length === 0) return;
  throw new Error(
    `Refusing to restore while Shoebox runs on ${layout.root}: ${running.map((process) => `shoebox ${process.command} (pid ${process.pid})`).join(', ')}. ` +
      'Stop it, then run shoebox restore again. Nothing was restored.',
  );
}

/** Where each part of a backup goes in the data folder. */
const placesOf = (layout: DataLayout): [string, string][] => [
  [SNAPSHOT.database, layout.databaseFile],
  [SNAPSHOT.quotas, layout.quotaFile],
  [SNAPSHOT.secrets, layout.secretsDir],
  [SNAPSHOT.blobs, layout.blobsDir],
];

/** What the data folder holds besides leftovers (the registrations of processes that died, unfinished backups). */
async function heldData(layout: DataLayout): Promise<string[]> {
  const names = await readdir(layout.root).catch(() => []);
  return names.filter((name) => !name.startsWith('.') && join(layout.root, name) !== layout.processesDir);
}

async function removeData(layout: DataLayout): Promise<void> {
  for (const path of [...sqliteFiles(layout.databaseFile), ...sqliteFiles(layout.quotaFile), layout.secretsDir, layout.blobsDir]) {
    await rm(path, { recursive: true, force: true });
  }
}
