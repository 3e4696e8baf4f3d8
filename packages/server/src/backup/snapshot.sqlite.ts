import { existsSync } from 'node:fs';
import { copyFile, cp, link, mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { originalKey, variantKey } from '../photos/photo.js';
import type { DataLayout } from '../runtime/layout.js';

/** Where each part of the data folder lies inside a backup; restore puts them back from the same names. */
export const SNAPSHOT = {
  database: 'shoebox.sqlite',
  quotas: 'quotas.sqlite',
  secrets: 'secrets',
  blobs: 'blobs',
} as const;

/** The photo blobs a snapshot's database names but its blobs folder lacks: the snapshot is not whole. */
export class IncompleteSnapshotError extends Error {}

/**
 * Copies the embedded deployment at `layout` into the empty folder `into`, consistently, while
 * other processes keep writing to it. Blob files are never changed in place (fs-store.ts: written
 * aside, then renamed), so hard links copy them in an instant and keep the bytes alive after the
 * server deletes them. They are linked before the database is copied, so every blob of a photo
 * the database names is taken even when the photo is deleted meanwhile; linked again after, for
 * the photos created in between. A photo created and deleted between the two passes can still be
 * missing: then this throws IncompleteSnapshotError and the caller takes a new snapshot.
 */
export async function snapshotSqlite(layout: DataLayout, into: string): Promise<void> {
  const blobs = join(into, SNAPSHOT.blobs);
  await linkTree(layout.blobsDir, blobs);
  await copySqlite(layout.databaseFile, join(into, SNAPSHOT.database));
  if (existsSync(layout.quotaFile)) await copySqlite(layout.quotaFile, join(into, SNAPSHOT.quotas));
  await linkTree(layout.blobsDir, blobs);
  await cp(layout.secretsDir, join(into, SNAPSHOT.secrets), { recursive: true }).catch(ifMissing);
  const missing = await missingPhotoBlobs(join(into, SNAPSHOT.database), blobs);
  if (missing.length > 0) throw new IncompleteSnapshotError(`the snapshot lacks ${missing.join(', ')}`);
}

/** The schema migrations a SQLite snapshot has, in order. */
export function snapshotMigrations(into: string): string[] {
  const database = new SQLite(join(into, SNAPSHOT.database), { readonly: true, fileMustExist: true });
  try {
    return database.prepare('select name from shoebox_migrations order by name').pluck().all() as string[];
  } finally {
    database.close();
  }
}

/**
 * Runs in a worker thread (the copy of a large database would otherwise stall a serving process's
 * requests, as scheduled backups run inside `serve`). Between two steps of an online backup,
 * another connection's write restarts it from the first page, so under a steady write load a
 * backup in small steps might never end: after the first step, the rest goes in one. In WAL mode
 * that step reads a snapshot without holding writers up. The copy keeps the source's WAL mode, and
 * with it a write-ahead log beside it: one file is simpler to keep, and the restored database is
 * put back in WAL mode when it is opened. Written as CommonJS source: the CLI runs from a bundle,
 * where a worker file of its own would not exist (as in db/checkpoints.sqlite.ts).
 */
const COPY_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const source = new Database(workerData.file, { fileMustExist: true });
source.pragma('busy_timeout = 5000');
source
  .backup(workerData.to, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) })
  .finally(() => source.close())
  .then(() => {
    const copy = new Database(workerData.to, { fileMustExist: true });
    copy.pragma('journal_mode = DELETE');
    copy.close();
  });
`;

/** Copies the live database `file` to `to` through SQLite's online backup API, off the event loop. */
async function copySqlite(file: string, to: string): Promise<void> {
  const worker = new Worker(COPY_SOURCE, {
    eval: true,
    workerData: { file, to, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`copying ${file} stopped with exit code ${code}`))));
  });
}

/** Hard-links every file under `from` that `to` lacks, copying where links cannot be made (another file system). */
async function linkTree(from: string, to: string): Promise<void> {
  const entries = existsSync(from) ? await readdir(from, { recursive: true, withFileTypes: true }) : [];
  for (const entry of entries) {
    const source = join(entry.parentPath, entry.name);
    const path = relative(from, source);
    // Uploads still arriving: not a blob yet.
    if (path.startsWith('.tmp') || !entry.isFile()) continue;
    const target = join(to, path);
    await mkdir(join(target, '..'), { recursive: true });
    await link(source, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return;
      // Deleted since the listing: if the database names it, the check after the copy finds it missing.
      if (error.code === 'ENOENT') return;
      if (error.code === 'EXDEV' || error.code === 'EPERM') await copyFile(source, target).catch(ifMissing);
      else throw error;
    });
  }
}

/** Blob keys that photos in the snapshot must have (the original once stored, each variant once made) and that are absent. */
async function missingPhotoBlobs(databaseFile: string, blobs: string): Promise<string[]> {
  const database = new SQLite(databaseFile, { readonly: true, fileMustExist: true });
  let rows: { id: string; status: string; variants: string | null }[];
  try {
    rows = database.prepare(`select id, status, variants from photos where status in ('processing', 'ready')`).all() as typeof rows;
  } finally {
    database.close();
  }
  const present = new Set(
    (await readdir(blobs, { recursive: true, withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(blobs, join(entry.parentPath, entry.name)).split('\\').join('/')),
  );
  return rows.flatMap((row) => {
    const variants = row.status === 'ready' && row.variants ? Object.keys(JSON.parse(row.variants)) : [];
    const keys = [originalKey(row.id), ...variants.map((name) => variantKey(row.id, name as Parameters<typeof variantKey>[1]))];
    return keys.filter((key) => !present.has(key));
  });
}

function ifMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
