#!/usr/bin/env node
// Runs the CLI from its TypeScript sources without a separate build step: the sources are bundled
// by esbuild into cached JavaScript files, rebuilt only when a source file changes. (Loading each
// module through a TypeScript loader hook cost seconds per start on a busy 2-core machine.)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, version } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src');

function fingerprint(dir, hash) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fingerprint(path, hash);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      const { mtimeMs, size } = statSync(path);
      hash.update(`${path}:${mtimeMs}:${size}\n`);
    }
  }
  return hash;
}

/**
 * Packages compiled into the bundle rather than loaded from node_modules: pure ES modules of
 * hundreds of small files each, whose resolution and loading one by one was a good part of every
 * start. The rest stay external (native addons, packages that read their own files at run time).
 */
const INLINE = ['kysely', 'typebox'];
const inlineOnly = {
  name: 'inline-only',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      INLINE.some((name) => path === name || path.startsWith(`${name}/`)) ? undefined : { path, external: true },
    );
  },
};

const cacheDir = join(root, '.cache');
const bundle = join(cacheDir, `cli-${fingerprint(sources, createHash('sha256').update(version)).digest('hex').slice(0, 16)}`);
if (!existsSync(bundle)) {
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${bundle}.${process.pid}.tmp`;
  // Split: modules imported dynamically (the scale-out engines' adapters) land in chunks of their
  // own, so their clients (pg, ioredis, the AWS SDK) load only when configured.
  await build({
    entryPoints: { main: join(sources, 'cli', 'main.ts') },
    outdir: partial,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [inlineOnly],
    sourcemap: 'inline',
    logLevel: 'error',
  });
  // Rename is atomic: a concurrent start sees either no bundle or a whole one (and a loser of the race uses the winner's).
  try {
    renameSync(partial, bundle);
  } catch (error) {
    if (!existsSync(bundle)) throw error;
    rmSync(partial, { recursive: true, force: true });
  }
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(join(bundle, 'main.js')).href);
