import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestData, runCli, TEST_ADMIN_TOKEN, tempDir } from '../packages/server/src/testing/harness.js';
import { spawnServe } from '../packages/server/src/testing/processes.js';

const run = promisify(execFile);
const serverPackage = resolve(fileURLToPath(import.meta.url), '../../packages/server');
const workspaceModules = resolve(serverPackage, '../../node_modules');

/** Every file under `dir` with its size and modification time: what "nothing was written" compares. */
const listing = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).map((entry) => {
    const path = join(entry.parentPath, entry.name);
    const { size, mtimeMs } = statSync(path);
    return `${path} ${size} ${mtimeMs}`;
  });

/**
 * The package as users get it: `npm pack` of packages/server (which builds first), installed into
 * an empty folder with npm, run from there with the installed folder read-only.
 */
describe('the shoebox-server package', () => {
  const work = tempDir('shoebox-package-');
  const app = join(work, 'app');
  const bin = join(app, 'node_modules', 'shoebox-server', 'bin', 'shoebox.js');
  let files: string[];
  let manifest: { name: string; version: string; dependencies: Record<string, string> };

  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: serverPackage });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
    files = packed.files.map((file: { path: string }) => file.path);
    mkdirSync(app);
    // Offline from npm's cache where it can; without install scripts, because better-sqlite3's
    // compiles SQLite for minutes on a machine without its prebuilt binary: the addon this
    // checkout built is copied in instead, its version pinned to the one it was built for.
    const addon = (root: string) => join(root, 'better-sqlite3');
    const version = (root: string) => JSON.parse(readFileSync(join(addon(root), 'package.json'), 'utf8')).version;
    const pinned = `better-sqlite3@${version(workspaceModules)}`;
    await run('npm', ['install', join(work, packed.filename), pinned, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: app,
    });
    const installed = join(app, 'node_modules');
    expect(version(installed)).toBe(version(workspaceModules));
    mkdirSync(join(addon(installed), 'build', 'Release'), { recursive: true });
    copyFileSync(
      join(addon(workspaceModules), 'build', 'Release', 'better_sqlite3.node'),
      join(addon(installed), 'build', 'Release', 'better_sqlite3.node'),
    );
    manifest = JSON.parse(readFileSync(join(installed, 'shoebox-server', 'package.json'), 'utf8'));
    // Read-only for its owner too (root ignores the bits: the listing compared below catches writes then).
    for (const path of [
      join(installed, 'shoebox-server'),
      ...listing(join(installed, 'shoebox-server')).map((row) => row.split(' ')[0] ?? ''),
    ]) {
      chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
    }
  }, 600_000);

  afterAll(async () => {
    chmodSync(join(app, 'node_modules', 'shoebox-server'), 0o755);
    for (const row of listing(join(app, 'node_modules', 'shoebox-server'))) {
      const path = row.split(' ')[0] ?? '';
      chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
    }
    await removeTestData(work);
  });

  it('holds the compiled CLI, the docs and the licence, and no sources, tests or build tools', () => {
    expect(files).toEqual(
      expect.arrayContaining(['bin/shoebox.js', 'dist/main.js', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']),
    );
    expect(files.filter((path) => /^(src|scripts)\/|\.test\.|testing\/|\.ts$/.test(path))).toEqual([]);
    expect(manifest.name).toBe('shoebox-server');
    expect(Object.keys(manifest.dependencies)).not.toContain('esbuild');
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
  });

  it('runs from a read-only folder: --version, config --json, and a server that answers', async () => {
    const before = listing(join(app, 'node_modules', 'shoebox-server'));
    const version = await runCli(['--version'], { bin });
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });

    const dataDir = join(work, 'data');
    const config = await runCli(['config', '--json'], { bin, env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({
      SHOEBOX_DATA_DIR: dataDir,
      SHOEBOX_ADMIN_TOKEN: '(generated on first start, stored hashed)',
    });

    const server = await spawnServe({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_ADMIN_TOKEN: TEST_ADMIN_TOKEN }, [], bin);
    try {
      const apiKey = /sbk_[A-Za-z0-9_-]{43}/.exec(server.stdout())?.[0] ?? '';
      const ping = await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': apiKey } });
      expect(ping.status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(listing(join(app, 'node_modules', 'shoebox-server'))).toEqual(before);
  });
});
