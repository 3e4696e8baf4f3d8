#!/usr/bin/env node
// Runs the CLI from its TypeScript sources without a separate build step: the sources are bundled
// by esbuild into a cached JavaScript file, rebuilt only when a source file changes. (Loading each
// module through a TypeScript loader hook cost seconds per start on a busy 2-core machine.)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
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

const cacheDir = join(root, '.cache');
const bundle = join(cacheDir, `cli-${fingerprint(sources, createHash('sha256').update(version)).digest('hex').slice(0, 16)}.mjs`);
if (!existsSync(bundle)) {
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${bundle}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(sources, 'cli', 'main.ts')],
    outfile: partial,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  // Rename is atomic: a concurrent start sees either no bundle or a whole one.
  renameSync(partial, bundle);
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundle).href);
