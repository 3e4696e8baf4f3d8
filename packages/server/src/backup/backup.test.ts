import { readFileSync, writeFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create, extract } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, removeTestData, runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { asIdentity, bearer, createGuest, type Pair, postJson, ROOMY_PLAN, refresh } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { getPhoto, uploaded } from '../testing/photos.js';
import { blobUrlFor, bucketKeys, createBucket, removeBucket } from '../testing/s3.js';
import { eventually } from '../testing/shoebox.js';

const bytesAt = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

/** A photo as the API shows it, without its signed URLs (they name the server and expire). */
const withoutUrls = (photo: any) => JSON.parse(JSON.stringify(photo, (key, value) => (key === 'url' ? undefined : value)));

/** Every note id of the identity, page by page. */
async function noteIds(server: TestServer, token: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: any = await json(await asIdentity(server, token, `/v1/notes?limit=100${cursor ? `&cursor=${cursor}` : ''}`));
    for (const note of page.notes) ids.add(note.noteId);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('shoebox backup and restore (embedded)', () => {
  let original: TestServer;
  let guest: Pair;
  let photo: any;
  let photoBytes: Buffer;
  const work = tempDir('shoebox-backup-');
  const backupFile = join(work, 'snapshot.tar.gz');
  /** Notes acknowledged before the backup started: all of them must come back. */
  const acknowledgedBefore = new Map<string, any>();
  let acknowledgedAfter = 0;

  beforeAll(async () => {
    original = await startTestServer({ env: ROOMY_PLAN });
    guest = await createGuest(original);
    photoBytes = await phoneJpeg();
    const created = await uploaded(original, guest.accessToken, photoBytes);
    photo = await eventually(async () => {
      const current = await json(await getPhoto(original, guest.accessToken, created.photoId));
      return current.status === 'ready' && current;
    });
  });

  afterAll(async () => {
    await original.stop();
    await removeTestData(work);
  });

  it('backs up while notes are written, and the restored server answers every acknowledged note, photo, identity and key', async () => {
    // A key with a quota, used before the backup: its usage must come back with it.
    const created = await original.admin('/admin/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'metered', quota: { limit: 1_000_000, period: 'month' } }),
    });
    expect(created.status).toBe(201);
    const metered = await json(created);
    for (let n = 0; n < 7; n++)
      expect((await fetch(`${original.url}/v1/ping`, { headers: { 'x-api-key': metered.key } })).status).toBe(200);
    const usage = async (server: TestServer) => (await json(await server.admin(`/admin/keys/${metered.id}`))).usage;
    const acknowledged = new Map<string, any>();
    let writing = true;
    const load = (async () => {
      for (let n = 0; writing; n++) {
        const response = await postJson(
          original,
          '/v1/notes',
          { headline: `load ${n}`, text: `written under load, number ${n}` },
          bearer(guest.accessToken),
        );
        expect(response.status).toBe(201);
        const note = await json(response);
        acknowledged.set(note.noteId, note);
      }
    })();
    await eventually(async () => acknowledged.size >= 20);
    for (const [id, note] of acknowledged) acknowledgedBefore.set(id, note);
    // An upload left beside its original by a process that died during complete: one file under two names.
    const photoFolder = (dataDir: string) => join(dataDir, 'blobs', 'photos', photo.photoId);
    await link(join(photoFolder(original.dataDir), 'original'), join(photoFolder(original.dataDir), 'upload'));
    // A photo deleted while the backup runs: taken as the snapshot saw it, or not at all.
    const doomed = await uploaded(original, guest.accessToken, photoBytes);
    const [backup] = await Promise.all([
      runCli(['backup', '--to', backupFile], { env: { SHOEBOX_DATA_DIR: original.dataDir } }),
      asIdentity(original, guest.accessToken, `/v1/photos/${doomed.photoId}`, { method: 'DELETE' }),
    ]);
    const during = acknowledged.size;
    await eventually(async () => acknowledged.size >= during + 5);
    writing = false;
    await load;
    acknowledgedAfter = acknowledged.size;
    expect(backup.stderr).not.toContain('shoebox:');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(backupFile);
    expect(acknowledgedAfter).toBeGreaterThan(acknowledgedBefore.size);

    const restoredDir = join(work, 'restored');
    const restore = await runCli(['restore', backupFile], { env: { SHOEBOX_DATA_DIR: restoredDir } });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect((await readdir(photoFolder(restoredDir))).sort()).toEqual(['display', 'original', 'thumb', 'upload']);
    expect(await readFile(join(photoFolder(restoredDir), 'upload'))).toEqual(photoBytes);
    const restored = await startTestServer({ dataDir: restoredDir, apiKey: original.apiKey, env: ROOMY_PLAN });
    try {
      // The identity: its refresh token from before the backup works on the restored server.
      const renewed = await refresh(restored, guest.refreshToken);
      expect(renewed.status).toBe(200);
      const pair: Pair = await json(renewed);
      expect(pair.identityId).toBe(guest.identityId);
      for (const [id, note] of acknowledgedBefore) {
        const response = await asIdentity(restored, pair.accessToken, `/v1/notes/${id}`);
        expect(response.status).toBe(200);
        expect(await json(response)).toMatchObject({ noteId: id, headline: note.headline, text: note.text, version: note.version });
      }
      // The restored notes are a snapshot: none that were not acknowledged by the end of the load (but the one in flight).
      const restoredIds = await noteIds(restored, pair.accessToken);
      expect(restoredIds.size).toBeGreaterThanOrEqual(acknowledgedBefore.size);
      expect(restoredIds.size).toBeLessThanOrEqual(acknowledgedAfter + 1);
      // The photo: the same metadata and the same bytes, original and variants.
      const restoredPhoto = await json(await getPhoto(restored, pair.accessToken, photo.photoId));
      expect(withoutUrls(restoredPhoto)).toEqual(withoutUrls(photo));
      expect(await bytesAt(restoredPhoto.original.url)).toEqual(photoBytes);
      expect(await bytesAt(restoredPhoto.variants.thumb.url)).toEqual(await bytesAt(photo.variants.thumb.url));
      // The photo deleted during the backup, if the snapshot has it, has all its bytes.
      const doomedThere = await json(await getPhoto(restored, pair.accessToken, doomed.photoId));
      if (doomedThere.status === 'ready') expect(await bytesAt(doomedThere.original.url)).toEqual(photoBytes);
      // Search: the index came along with the notes.
      await eventually(async () => {
        const found = await json(await asIdentity(restored, pair.accessToken, '/v1/search?q=written&limit=50'));
        return found.hits.length >= Math.min(acknowledgedBefore.size, 50);
      });
      // API keys: the same ones (the restored server answered with the original's key all along).
      const keyIds = async (server: TestServer) => (await json(await server.admin('/admin/keys'))).keys.map((key: any) => key.id).sort();
      expect(await keyIds(restored)).toEqual(await keyIds(original));
      expect(await usage(restored)).toEqual(await usage(original));
      expect((await usage(restored)).used).toBe(7);
    } finally {
      await restored.stop();
    }
  });

  it('refuses a data folder that is not empty unless told to replace it', async () => {
    const dataDir = join(work, 'occupied');
    const first = await runCli(['restore', backupFile], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(first.code).toBe(0);
    const again = await runCli(['restore', backupFile], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not empty');
    expect(again.stderr).toContain('--replace');
    const replaced = await runCli(['restore', backupFile, '--replace'], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(replaced.code).toBe(0);
  });

  it('refuses to restore onto a running server and changes nothing', async () => {
    const before = await readdir(original.dataDir);
    const note = [...acknowledgedBefore.values()][0];
    const result = await runCli(['restore', backupFile, '--replace'], { env: { SHOEBOX_DATA_DIR: original.dataDir } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Refusing to restore while Shoebox runs');
    expect(result.stderr).toContain('Nothing was restored');
    expect(await readdir(original.dataDir)).toEqual(before);
    expect((await asIdentity(original, guest.accessToken, `/v1/notes/${note.noteId}`)).status).toBe(200);
  });

  /** The backup unpacked, changed by `change`, packed again as a well-formed archive. */
  async function repacked(name: string, change: (folder: string) => Promise<void>): Promise<string> {
    const folder = join(work, name);
    await mkdir(folder);
    await extract({ file: backupFile, cwd: folder });
    await change(folder);
    const file = join(work, `${name}.tar.gz`);
    await create({ gzip: true, file, cwd: folder }, await readdir(folder));
    return file;
  }

  it.each([
    {
      case: 'a damaged archive',
      make: async () => {
        const bytes = readFileSync(backupFile);
        const middle = Math.floor(bytes.length / 2);
        bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
        writeFileSync(join(work, 'damaged.tar.gz'), bytes);
        return join(work, 'damaged.tar.gz');
      },
      says: ['is damaged or not a Shoebox backup'],
    },
    {
      case: 'a file that does not match its checksum',
      make: () =>
        repacked('tampered', async (folder) => {
          const secret = join(folder, 'secrets', 'blob-url-signing.key');
          await writeFile(secret, `${(await readFile(secret, 'utf8')).trim()}0\n`);
        }),
      says: ['is damaged or not a Shoebox backup', 'secrets/blob-url-signing.key does not match its checksum'],
    },
    {
      case: 'a newer schema, as a downgrade would be',
      make: () =>
        repacked('future', async (folder) => {
          const manifest = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'));
          const migrations = [...manifest.migrations, '999-future'];
          await writeFile(join(folder, 'manifest.json'), JSON.stringify({ ...manifest, shoebox: '9.0.0', migrations }));
        }),
      says: ['written by Shoebox 9.0.0', '999-future'],
    },
  ])('refuses $case and leaves the data folder empty', async ({ case: name, make, says }) => {
    const file = await make();
    const dataDir = join(work, `from ${name}`);
    const result = await runCli(['restore', file], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(result.code).toBe(1);
    for (const text of [...says, 'Nothing was restored']) expect(result.stderr).toContain(text);
    expect(await readdir(dataDir).catch(() => [])).toEqual([]);
  });

  it('writes to a bucket with --to s3://, and never over an existing file', async () => {
    const bucket = 'shoebox-test-backup-command';
    await createBucket(bucket);
    try {
      const url = (await blobUrlFor(bucket)).replace('?', '/manual?');
      const result = await runCli(['backup', '--to', url], { env: { SHOEBOX_DATA_DIR: original.dataDir } });
      expect(result.code).toBe(0);
      const keys = await bucketKeys(bucket);
      expect(keys).toHaveLength(1);
      expect(result.stdout).toContain(`s3://${bucket}/${keys[0]}`);
      expect(result.stdout).not.toContain('S3RVER');
    } finally {
      await removeBucket(bucket);
    }
    const again = await runCli(['backup', '--to', backupFile], { env: { SHOEBOX_DATA_DIR: original.dataDir } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
  });

  it('on PostgreSQL, says how to back up instead of copying part of the deployment', async () => {
    const result = await runCli(['backup'], {
      env: { SHOEBOX_DATA_DIR: join(work, 'pg'), SHOEBOX_DATABASE_URL: 'postgres://shoebox@127.0.0.1:5432/shoebox' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pg_dump');
  });
});
