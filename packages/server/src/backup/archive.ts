import { mkdir, open, rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MANIFEST_FILE } from './manifest.js';

// node-tar is imported where it is used (backups are rare): the server's start need not parse it.

/**
 * Writes the folder `root` as a gzipped tar at `file`, the manifest first, readable by the owner
 * only (a backup holds the deployment's secrets). Written aside and renamed, so `file` is either
 * absent or whole. `onBytes` hears of the archive's bytes as they are written.
 */
export async function packFolder(root: string, entries: readonly string[], file: string, onBytes: (bytes: number) => void): Promise<void> {
  const { create } = await import('tar');
  const partial = `${file}.partial`;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  // Opened before the pipeline, so the cleanup below never runs before a lazy open creates the file.
  const out = await open(partial, 'wx', 0o600);
  try {
    await pipeline(
      // Every file whole, even two names of one file (the blob store links copies): restore takes plain files only.
      create({ gzip: true, cwd: root, portable: true, linkCache: new NoLinks() }, [MANIFEST_FILE, ...entries]),
      counter,
      out.createWriteStream(),
    );
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** A hard-link cache that never finds a link, so node-tar stores each name as a file of its own. */
class NoLinks extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined;
  }
}

/**
 * Extracts the archive `file` into the new folder `into`: plain files and folders only, no path
 * leaving it (node-tar strips `..` and absolute paths). Throws when the archive cannot be read to
 * its end, e.g. a damaged gzip stream.
 */
export async function unpackArchive(file: string, into: string): Promise<void> {
  const { extract } = await import('tar');
  await mkdir(into, { recursive: true, mode: 0o700 });
  await extract({
    file,
    cwd: into,
    strict: true,
    preserveOwner: false,
    filter: (_path, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
  });
}
