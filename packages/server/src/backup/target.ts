/**
 * Where finished backups are kept: a folder or an S3-compatible bucket. A backup is one file,
 * named `shoebox-backup-<UTC time>.tar.gz` so that names sort by age.
 */
export interface BackupTarget {
  /** Where the backup named `name` is, for messages (secrets left out). */
  describe(name: string): string;
  /** Stores the local file `file` as `name`. */
  put(file: string, name: string): Promise<void>;
  /** Copies the backup named `name` to the new local file `file`. */
  fetch(name: string, file: string): Promise<void>;
  /** The names of the backups kept there, oldest first. */
  list(): Promise<string[]>;
  remove(name: string): Promise<void>;
  close(): void;
}

const NAME = /^shoebox-backup-\d{8}T\d{6}(\d{3})?Z\.tar\.gz$/;

export const isBackupName = (name: string): boolean => NAME.test(name);

export const backupName = (at: Date): string => `shoebox-backup-${at.toISOString().replace(/[-:]/g, '').replace('.', '')}.tar.gz`;
