#!/usr/bin/env node
// Runs the CLI from its TypeScript sources without a separate build step: the sources are bundled
// by esbuild into cached JavaScript files, rebuilt only when a source file changes. (Loading each
// module through a TypeScript loader hook cost seconds per start on a busy 2-core machine.)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
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
 * Packages left out of the bundle and loaded from node_modules: native addons, packages that read
 * their own files or start workers from them at run time, and the scale-out engines' clients
 * (loaded only when configured). Everything else is compiled in: resolving and loading hundreds of
 * small modules one by one from node_modules was most of every start.
 */
const EXTERNAL = [
  'better-sqlite3',
  'sharp',
  'esbuild',
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

const cacheDir = join(root, '.cache');
// The build options below are part of what the bundle is made from.
const builder = createHash('sha256')
  .update(version)
  .update(readFileSync(fileURLToPath(import.meta.url)));
const bundle = join(cacheDir, `cli-${fingerprint(sources, builder).digest('hex').slice(0, 16)}`);
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
