import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../blob/s3-client.js';
import type { S3Location } from '../config/s3-location.js';
import { type BackupTarget, isBackupName } from './target.js';

/**
 * Backups kept as objects under the URL's prefix in an S3-compatible bucket. One PUT per backup,
 * so a backup may be at most 5 GiB (S3's limit for a single PUT).
 */
export class S3BackupTarget implements BackupTarget {
  private readonly client: S3Client;

  constructor(private readonly location: S3Location) {
    this.client = s3ClientFor(location);
  }

  describe(name: string): string {
    return `s3://${this.location.bucket}/${this.location.prefix}${name}`;
  }

  async put(file: string, name: string): Promise<void> {
    const { size } = await stat(file);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: `${this.location.prefix}${name}`,
        Body: createReadStream(file),
        ContentLength: size,
        ContentType: 'application/gzip',
      }),
    );
  }

  async fetch(name: string, file: string): Promise<void> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: `${this.location.prefix}${name}` }));
    await pipeline(object.Body as Readable, createWriteStream(file, { mode: 0o600, flags: 'wx' }));
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.location.prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.location.prefix.length) ?? '';
        if (isBackupName(name)) names.push(name);
      }
      token = page.NextContinuationToken;
    } while (token);
    return names.sort();
  }

  async remove(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: `${this.location.prefix}${name}` }));
  }

  close(): void {
    this.client.destroy();
  }
}
