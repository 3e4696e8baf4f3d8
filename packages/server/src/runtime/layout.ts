import { join } from 'node:path';

/** Where the embedded engine keeps each thing it creates under the data folder. */
export interface DataLayout {
  readonly root: string;
  readonly databaseFile: string;
  readonly quotaFile: string;
  readonly secretsDir: string;
  /** The filesystem blob store: photos' originals and variants. */
  readonly blobsDir: string;
  /** One file per process running the embedded deployment (runtime/running-processes.ts). */
  readonly processesDir: string;
}

export const dataLayout = (root: string): DataLayout => ({
  root,
  databaseFile: join(root, 'shoebox.sqlite'),
  quotaFile: join(root, 'quotas.sqlite'),
  secretsDir: join(root, 'secrets'),
  blobsDir: join(root, 'blobs'),
  processesDir: join(root, 'processes'),
});

/** Each SQLite database is a file plus its write-ahead log and shared-memory index. */
export const sqliteFiles = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`];
