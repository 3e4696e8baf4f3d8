import { resolve } from 'node:path';
import { describeS3Location, parseS3Url, type S3Location } from '../blob/s3-location.js';

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

/** Where backups go, as a `--to` value or SHOEBOX_BACKUP_URL names it: a bucket (`s3://…`) or a folder. */
export type BackupPlace = { readonly folder: string } | { readonly bucket: S3Location };

/** Parses a place; throws an Error saying what is wrong with an `s3://` URL. `aws` holds the AWS variables. */
export function parseBackupPlace(raw: string, aws: Record<string, string | undefined>, cwd = process.cwd()): BackupPlace {
  if (!raw.startsWith('s3://')) return { folder: resolve(cwd, raw) };
  return {
    bucket: parseS3Url(raw, { region: aws.AWS_REGION, accessKeyId: aws.AWS_ACCESS_KEY_ID, secretAccessKey: aws.AWS_SECRET_ACCESS_KEY }),
  };
}

export const describeBackupPlace = (place: BackupPlace): string => ('folder' in place ? place.folder : describeS3Location(place.bucket));

/** The AWS SDK is loaded only for a bucket. */
export async function openBackupTarget(place: BackupPlace): Promise<BackupTarget> {
  if ('bucket' in place) return new (await import('./target.s3.js')).S3BackupTarget(place.bucket);
  return new (await import('./target.folder.js')).FolderBackupTarget(place.folder);
}
