import type { BackupPlace } from '../config/backup-place.js';
import type { BackupTarget } from './target.js';

/** The AWS SDK is loaded only for a bucket. */
export async function openBackupTarget(place: BackupPlace): Promise<BackupTarget> {
  if ('bucket' in place) return new (await import('./target.s3.js')).S3BackupTarget(place.bucket);
  return new (await import('./target.folder.js')).FolderBackupTarget(place.folder);
}
