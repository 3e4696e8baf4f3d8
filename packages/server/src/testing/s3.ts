import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/**
 * A local S3 server (s3rver) on loopback for the scale-out test engine: started once per test
 * process on a random port, its files in a temporary folder; one bucket per test data folder.
 * s3rver accepts s3rver's well-known account only.
 */
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let endpoint: Promise<string> | undefined;
/** Where the local server keeps its files, once started. */
let s3rverDirectory: string | undefined;

function localS3(): Promise<string> {
  endpoint ??= (async () => {
    const directory = mkdtempSync(join(tmpdir(), 'shoebox-s3-'));
    s3rverDirectory = directory;
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
    keepFolders(server);
    const { port } = await server.run();
    // The test process may end while the server still listens.
    server.httpServer.unref();
    return `http://127.0.0.1:${port}`;
  })();
  return endpoint;
}

/**
 * s3rver removes a key's parent folders once a delete leaves them empty. A put under the same
 * prefix at that moment (a photo's renditions written while the photo is deleted) then opens its
 * file in a folder that is gone, and s3rver has no handler for that error: the test process
 * crashed. S3 has no folders, and s3rver lists keys from files alone, so deletes here keep them.
 */
function keepFolders(server: S3rver): void {
  const { store } = server;
  store.deleteObject = async (bucket, key) => {
    const files = ['object', 'object.md5', 'metadata.json'].map((resource) => store.getResourcePath(bucket, key, resource));
    await Promise.all(
      files.map((file) =>
        unlink(file).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  };
}

const clientFor = (url: string) =>
  new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...credentials },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });

/** One bucket per data folder, so suites running in parallel never share objects. */
export const bucketFor = (dataDir: string) => `shoebox-test-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;

/** The SHOEBOX_BLOB_URL of a bucket on the local server. */
export const blobUrlFor = async (bucket: string) =>
  `s3://${bucket}?${new URLSearchParams({ endpoint: await localS3(), region: 'us-east-1', forcePathStyle: 'true', ...credentials })}`;

/** Creates the bucket if it is not there yet. */
export async function createBucket(bucket: string): Promise<void> {
  const client = clientFor(await localS3());
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
  } finally {
    client.destroy();
  }
}

/** Empties and removes the bucket; a missing bucket is fine. */
export async function removeBucket(bucket: string): Promise<void> {
  const client = clientFor(await localS3());
  try {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const objects = (page.Contents ?? []).map((object) => ({ Key: object.Key ?? '' }));
      if (objects.length === 0) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as Error).name !== 'NoSuchBucket') throw error;
  } finally {
    client.destroy();
  }
}

/** Lists every key in the bucket. */
export async function bucketKeys(bucket: string): Promise<string[]> {
  const client = clientFor(await localS3());
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (page.Contents ?? []).map((object) => object.Key ?? '').sort();
  } finally {
    client.destroy();
  }
}

/** Puts an object as another user of the bucket would, outside Shoebox. */
export async function putObject(bucket: string, key: string, body: string): Promise<void> {
  const client = clientFor(await localS3());
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

/**
 * Makes the local server fail every write of one object (500, as a broken store would) until the
 * returned function is called. s3rver keeps an object's metadata in a file beside its bytes
 * (`<key>._S3rver_metadata.json`); a folder in that place makes the write fail.
 */
export async function breakObjectWrites(bucket: string, key: string): Promise<() => Promise<void>> {
  await localS3();
  const path = join(s3rverDirectory ?? '', bucket, `${key}._S3rver_metadata.json`);
  mkdirSync(path, { recursive: true });
  return async () => rmSync(path, { recursive: true, force: true });
}
