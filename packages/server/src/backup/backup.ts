import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { type DataLayout, dataLayout } from '../runtime/layout.js';
import { NoDeploymentError } from '../shared/no-deployment.js';
import { SHOEBOX_VERSION } from '../shared/version.js';
import { packFolder } from './archive.js';
import { BACKUP_FORMAT, type BackupManifest, describeFiles, MANIFEST_FILE } from './manifest.js';
import { IncompleteSnapshotError, snapshotMigrations, snapshotSqlite } from './snapshot.sqlite.js';
import { type BackupTarget, backupName } from './target.js';

/** What the scale-out engine's operators use instead: PostgreSQL and the bucket have backups of their own that Shoebox cannot beat. */
export const POSTGRES_BACKUP_GUIDANCE =
  'shoebox backup copies the embedded engine (SQLite and the data folder). With SHOEBOX_DATABASE_URL set, back up PostgreSQL ' +
  'with its own tools (pg_dump --schema=<SHOEBOX_DATABASE_SCHEMA> for a consistent export, or point-in-time recovery: ' +
  'base backups plus WAL archiving, e.g. RDS automated backups) and the bucket with versioning or replication; see "Backups" in README.md.';

/** Snapshots taken before giving up when photos keep appearing and vanishing between the passes (snapshot.sqlite.ts). */
const SNAPSHOT_ATTEMPTS = 5;

export interface BackupWritten {
  readonly bytes: number;
  readonly files: number;
  readonly manifest: BackupManifest;
}

/** Hears how many bytes of the archive are written, of about how many in all. */
export type BackupProgress = (written: number, total: number) => void;

/**
 * Writes one consistent backup of the embedded deployment that `config` names to the local file
 * `file` (replacing none: the file must not exist). Other processes may keep serving meanwhile.
 */
export async function writeBackup(config: Config, file: string, onProgress: BackupProgress = () => {}): Promise<BackupWritten> {
  if (config.databaseUrl !== undefined) throw new Error(POSTGRES_BACKUP_GUIDANCE);
  const layout = dataLayout(config.dataDir);
  if (!existsSync(layout.databaseFile)) throw new NoDeploymentError(layout.root);
  if (existsSync(file)) throw new Error(`${file} already exists: give a new file name, or a folder to write a new file in.`);
  // Inside the data folder: the same file system as the blobs, so they can be hard-linked.
  const staging = await mkdtemp(join(layout.root, '.backup-'));
  try {
    await snapshotUntilWhole(layout, staging);
    const files = await describeFiles(staging);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      shoebox: SHOEBOX_VERSION,
      engine: 'sqlite',
      createdAt: new Date().toISOString(),
      migrations: snapshotMigrations(staging),
      files,
    };
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const total = files.reduce((sum, entry) => sum + entry.bytes, 0);
    let written = 0;
    const entries = (await readdir(staging)).filter((name) => name !== MANIFEST_FILE).sort();
    await packFolder(staging, entries, file, (bytes) => {
      written += bytes;
      onProgress(written, Math.max(total, written));
    });
    return { bytes: (await stat(file)).size, files: files.length, manifest };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Writes a backup and stores it in `target` under a new name, which it answers. */
export async function backupToTarget(
  config: Config,
  target: BackupTarget,
  onProgress?: BackupProgress,
): Promise<BackupWritten & { readonly name: string }> {
  const name = backupName(new Date());
  const local = join(dataLayout(config.dataDir).root, `.${name}.${randomBytes(4).toString('hex')}`);
  try {
    const written = await writeBackup(config, local, onProgress);
    await target.put(local, name);
    return { ...written, name };
  } finally {
    await rm(local, { force: true });
  }
}

async function snapshotUntilWhole(layout: DataLayout, staging: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await snapshotSqlite(layout, staging);
    } catch (error) {
      if (!(error instanceof IncompleteSnapshotError) || attempt >= SNAPSHOT_ATTEMPTS) throw error;
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { mode: 0o700 });
    }
  }
}
