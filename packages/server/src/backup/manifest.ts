import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** The manifest's name inside a backup; it is the archive's first entry. */
export const MANIFEST_FILE = 'manifest.json';
/** The layout of a backup: raised whenever what a backup holds or where changes. */
export const BACKUP_FORMAT = 1;

export interface BackupManifest {
  readonly format: number;
  /** The Shoebox version that wrote it. */
  readonly shoebox: string;
  readonly engine: 'sqlite';
  readonly createdAt: string;
  /** The schema migrations the snapshot's database has: a build that lacks one of them cannot read it. */
  readonly migrations: readonly string[];
  readonly files: readonly ManifestFile[];
}

export interface ManifestFile {
  /** Relative to the backup's root, with `/` separators. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A backup whose contents are not what its manifest says: nothing of it may be used. */
export class CorruptBackupError extends Error {}

/** Every file under `root` (the manifest aside), with its size and checksum, in a stable order. */
export async function describeFiles(root: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const path of await filesUnder(root)) {
    if (path === MANIFEST_FILE) continue;
    const full = join(root, path);
    files.push({ path, bytes: (await stat(full)).size, sha256: await sha256Of(full) });
  }
  return files;
}

/**
 * Reads the manifest of the backup extracted at `root` and checks every file against it: each
 * listed file present with its size and checksum, and no file it does not list.
 */
export async function verifiedManifest(
  root: string,
  onProgress: (checked: number, total: number) => void = () => {},
): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(root, MANIFEST_FILE), 'utf8'));
  } catch {
    throw new CorruptBackupError(`it has no readable ${MANIFEST_FILE}`);
  }
  if (manifest.format !== BACKUP_FORMAT || !Array.isArray(manifest.files) || manifest.engine !== 'sqlite') {
    throw new CorruptBackupError(`its ${MANIFEST_FILE} is not one of backup format ${BACKUP_FORMAT}`);
  }
  const listed = new Map(manifest.files.map((file) => [file.path, file]));
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const strange = entries.find((entry) => !entry.isFile() && !entry.isDirectory());
  if (strange) throw new CorruptBackupError(`it holds ${strange.name}, which is not a plain file`);
  for (const path of await filesUnder(root)) {
    if (path !== MANIFEST_FILE && !listed.has(path)) throw new CorruptBackupError(`it holds ${path}, which its manifest does not list`);
  }
  const total = manifest.files.reduce((sum, file) => sum + file.bytes, 0);
  let checked = 0;
  for (const file of manifest.files) {
    onProgress(checked, total);
    checked += file.bytes;
    const full = join(root, file.path);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) throw new CorruptBackupError(`${file.path} is missing`);
    if (info.size !== file.bytes || (await sha256Of(full)) !== file.sha256) {
      throw new CorruptBackupError(`${file.path} does not match its checksum`);
    }
  }
  onProgress(total, total);
  return manifest;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}
