import { resolve } from 'node:path';
import { describeS3Location, parseS3Url, type S3Location } from './s3-location.js';

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
