import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, runCli, tempDir } from '../testing/harness.js';
import { bearer, createGuest, postJson } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { uploadPhoto } from '../testing/photos.js';
import { spawnServe } from '../testing/processes.js';

/** Every file and folder under `root`, relative to it, with its permission bits. */
function modes(root: string): Record<string, number> {
  const found: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      found[relative(root, path)] = lstatSync(path).mode & 0o777;
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(root);
  return found;
}

/** The embedded engine's data folder: on scale-out it holds only the secrets, written the same way. */
describe('the data folder', () => {
  const dir = tempDir();
  beforeAll(() => {
    // Spawned processes inherit this process's umask: a login shell's usual 022 is what leaves new files world-readable.
    process.umask(0o022);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('made beforehand with mode 0755 is tightened to 0700, and every file and folder Shoebox writes in it is owner-only', async () => {
    const dataDir = join(dir, 'made-beforehand');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const server = await spawnServe({ SHOEBOX_DATA_DIR: dataDir });
    try {
      const apiKey = /sbk_[A-Za-z0-9_-]{43}/.exec(server.stdout())?.[0] ?? '';
      const client = apiClient(server.url, apiKey);
      const guest = await createGuest(client);
      expect((await postJson(client, '/v1/notes', { headline: 'private', text: 'only mine' }, bearer(guest.accessToken))).status).toBe(201);
      expect((await uploadPhoto(client, guest.accessToken, await phoneJpeg())).status).toBe('ready');

      expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
      const written = modes(dataDir);
      expect(Object.keys(written)).toEqual(
        expect.arrayContaining([
          'shoebox.sqlite',
          'shoebox.sqlite-wal',
          'shoebox.sqlite-shm',
          'quotas.sqlite',
          'secrets/admin-token.sha256',
          'secrets/blob-url-signing.key',
          'blobs/.tmp',
        ]),
      );
      expect(Object.keys(written).some((path) => path.startsWith('blobs/photos/'))).toBe(true);
      expect(Object.entries(written).filter(([, mode]) => (mode & 0o077) !== 0)).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it.runIf(process.getuid?.() === 0)(
    'that others can read and that belongs to another user is refused, naming the command to run, and left untouched',
    async () => {
      const dataDir = join(dir, 'someone-elses');
      mkdirSync(dataDir, { mode: 0o755 });
      chmodSync(dataDir, 0o755);
      chownSync(dataDir, 65534, 65534);
      const result = await runCli(['keys', 'create', '--name', 'refused'], { env: { SHOEBOX_DATA_DIR: dataDir } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`chmod 700 ${dataDir}`);
      expect(readdirSync(dataDir)).toEqual([]);
      expect(lstatSync(dataDir).mode & 0o777).toBe(0o755);
    },
  );
});
