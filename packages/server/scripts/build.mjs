#!/usr/bin/env node
// Compiles the CLI from its TypeScript sources into dist/: one bundled module plus a chunk per
// dynamically imported module (the scale-out engines' adapters). A single bundle loads far faster
// than hundreds of modules resolved one by one from node_modules, and bundling here, not at run
// time, lets the installed package run from a read-only folder without esbuild.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const BUILD_ID = '.build-id';

/** What a build is made from: the sources (by name, time and size), package.json, this script and esbuild's version. */
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
const buildId = fingerprint(
  join(root, 'src'),
  createHash('sha256')
    .update(version)
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(join(root, 'package.json'))),
).digest('hex');
// Up to date: nothing to do. Rebuilding anyway would swap dist/ under CLI processes running from it (tests, `npm pack` beside them).
if (existsSync(join(dist, BUILD_ID)) && readFileSync(join(dist, BUILD_ID), 'utf8') === buildId) process.exit(0);

/**
 * Packages left out of the bundle and loaded from node_modules: native addons, packages that read
 * their own files or start workers from them at run time, and the scale-out engines' clients
 * (loaded only when configured). Everything else is compiled in. Each must be a dependency.
 */
const EXTERNAL = [
  'better-sqlite3',
  'sharp',
  'pino',
  '@fastify/swagger-ui',
  'pg',
  'ioredis',
  '@aws-sdk/client-s3',
  '@aws-sdk/s3-request-presigner',
];
const externalOnly = {
  name: 'external-only',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, ({ path }) =>
      path.startsWith('node:') || EXTERNAL.some((name) => path === name || path.startsWith(`${name}/`))
        ? { path, external: true }
        : undefined,
    );
  },
};

// Built aside and swapped in, so a build that fails leaves the previous one whole.
const partial = join(root, `.dist-${process.pid}`);
mkdirSync(partial, { recursive: true });
try {
  await build({
    entryPoints: { main: join(root, 'src', 'cli', 'main.ts') },
    outdir: partial,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [externalOnly],
    // CommonJS packages compiled in still call require() for Node's own modules.
    banner: { js: "import { createRequire as __shoeboxRequire } from 'node:module'; const require = __shoeboxRequire(import.meta.url);" },
    sourcemap: 'linked',
    minifyWhitespace: true,
    minifySyntax: true,
    // Stack traces need the mappings only; the sources' text would only make every start parse more.
    sourcesContent: false,
    logLevel: 'error',
  });
  writeFileSync(join(partial, BUILD_ID), buildId);
  rmSync(dist, { recursive: true, force: true });
  renameSync(partial, dist);
} finally {
  rmSync(partial, { recursive: true, force: true });
}
