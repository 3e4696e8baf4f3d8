import { randomUUID } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { ByteLimit } from './byte-limit.js';
import { fsBlobRoutes } from './fs-routes.js';
import {
  assertBlobKey,
  BlobChangedError,
  type BlobInfo,
  type BlobStore,
  type PutOptions,
  type ReadOptions,
  type SignedDownloadOptions,
  type SignedRequest,
  type SignedUploadOptions,
  UnsafeBlobKeyError,
} from './store.js';
import type { UrlSigner } from './url-signer.js';

/** Where the routes serving the store's signed URLs are mounted, under the server's public URL. */
const ROUTES_PATH = '/blobs';

/** What link() fails with where a file system (FAT, some network or container mounts) or its policy refuses hard links. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK']);

/** Temporary files older than this belong to uploads that died with their process. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * The embedded blob store: one file per key under `root`, e.g. `root/photos/pho_…/thumb`.
 * Writes go to `root/.tmp` and are renamed into place once complete and flushed, so a reader
 * never sees half a file and a crash leaves only a temporary file behind. Files are never
 * changed in place, which makes (inode, size, mtime) a strong validator for the bytes.
 * Signed URLs point at `<publicUrl()>/blobs/<token>`, served by blob/fs-routes.ts, which the store
 * mounts itself (`publicUrl` is a function: the server's address may only be known once it listens).
 */
export class FsBlobStore implements BlobStore {
  private readonly tempDir: string;

  private constructor(
    private readonly root: string,
    private readonly signer: UrlSigner,
    private readonly publicUrl: () => string,
  ) {
    this.tempDir = join(root, '.tmp');
  }

  /** Creates the folders (owner-only) and removes temporary files left by crashed uploads. */
  static async open(root: string, signer: UrlSigner, publicUrl: () => string): Promise<FsBlobStore> {
    const store = new FsBlobStore(resolve(root), signer, publicUrl);
    await mkdir(store.tempDir, { recursive: true, mode: 0o700 });
    for (const name of await readdir(store.tempDir)) {
      const file = join(store.tempDir, name);
      const info = await stat(file).catch(() => undefined);
      // ctime: a file just linked here (copy) keeps its old mtime.
      if (info && Date.now() - info.ctimeMs > STALE_TEMP_MS) await rm(file, { force: true });
    }
    return store;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<BlobInfo> {
    const path = this.pathFor(key);
    const temp = this.tempPath();
    // Created before any byte flows: a stream that opened its file lazily could create it after a
    // failed pipeline's cleanup had already run, leaving a temporary file behind for a day.
    const file = await open(temp, 'wx', 0o600);
    try {
      await pipeline(body, new ByteLimit(options.maxBytes), file.createWriteStream({ flush: true }));
      // Renaming keeps the inode and mtime, so the temporary file's stat describes the stored one.
      const info = infoOf(await stat(temp, { bigint: true }));
      await this.moveIntoPlace(temp, path);
      return info;
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<{ info: BlobInfo; body: Readable } | undefined> {
    const path = this.pathFor(key);
    const handle = await open(path, 'r').catch(ifMissing(undefined));
    if (!handle) return undefined;
    try {
      // Stat and read the same open file, so a concurrent replacement cannot mix two versions.
      const info = infoOf(await handle.stat({ bigint: true }));
      if (options.ifMatch !== undefined && info.etag !== options.ifMatch) throw new BlobChangedError(key);
      const { range } = options;
      return { info, body: handle.createReadStream(range ? { start: range.start, end: range.end } : {}) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Links the file under the new key: no byte is copied or written again. Files are never changed
   * in place (every `put` writes a new file and renames it over the old), so two keys can share
   * one file, and a later `put` or `delete` of either leaves the other as it was. Where the file
   * system refuses links, the bytes are copied through `put`.
   */
  async copy(from: string, to: string): Promise<boolean> {
    const source = this.pathFor(from);
    const path = this.pathFor(to);
    const temp = this.tempPath();
    try {
      await link(source, temp);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'ENOENT') return false;
      if (code !== undefined && NO_LINKS.has(code)) return this.copyBytes(from, to);
      throw error;
    }
    try {
      await this.moveIntoPlace(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return true;
  }

  private async copyBytes(from: string, to: string): Promise<boolean> {
    const found = await this.get(from);
    if (!found) return false;
    await this.put(to, found.body, { maxBytes: found.info.size, contentType: '' });
    return true;
  }

  localPath(key: string): string {
    return this.pathFor(key);
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const info = await stat(this.pathFor(key), { bigint: true }).catch(ifMissing(undefined));
    return info && infoOf(info);
  }

  async delete(key: string): Promise<void> {
    const path = this.pathFor(key);
    await rm(path, { force: true });
    // Remove the parent folders the key created, as long as they are empty.
    for (let folder = dirname(path); folder.startsWith(this.root + sep); folder = dirname(folder)) {
      const removed = await rmdir(folder).then(
        () => true,
        () => false,
      );
      if (!removed) break;
    }
  }

  async signUpload(key: string, options: SignedUploadOptions): Promise<SignedRequest> {
    assertBlobKey(key);
    const token = this.signer.sign({ method: 'PUT', key, ...options });
    return {
      method: 'PUT',
      url: `${this.publicUrl()}${ROUTES_PATH}/${token}`,
      headers: { 'content-type': options.contentType },
      expiresAt: options.expiresAt,
    };
  }

  async signDownload(key: string, options: SignedDownloadOptions): Promise<string> {
    assertBlobKey(key);
    return `${this.publicUrl()}${ROUTES_PATH}/${this.signer.sign({ method: 'GET', key, ...options })}`;
  }

  async mount(app: FastifyInstance): Promise<void> {
    await app.register(fsBlobRoutes(this, this.signer), { prefix: ROUTES_PATH });
  }

  /** The file for a key. Safe keys cannot leave `root`; the prefix check is a second lock on the same door. */
  private pathFor(key: string): string {
    assertBlobKey(key);
    const path = resolve(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new UnsafeBlobKeyError(key);
    return path;
  }

  /** A new name in the temporary folder, where files are made whole before they are moved into place. */
  private tempPath(): string {
    return join(this.tempDir, `${randomUUID()}.part`);
  }

  private async moveIntoPlace(temp: string, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      await rename(temp, path);
    } catch (error) {
      // A concurrent delete may have removed the (then empty) folder between mkdir and rename.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await rename(temp, path);
    }
  }
}

const infoOf = (stats: BigIntStats): BlobInfo => ({
  size: Number(stats.size),
  etag: `"${stats.ino.toString(36)}-${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}"`,
  lastModified: new Date(Number(stats.mtimeMs)),
});

const ifMissing =
  <T>(value: T) =>
  (error: NodeJS.ErrnoException): T => {
    if (error.code === 'ENOENT') return value;
    throw error;
  };
