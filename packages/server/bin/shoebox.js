#!/usr/bin/env node
// Runs the CLI compiled into dist/ by `npm run build` (scripts/build.mjs; `npm install` in a
// checkout runs it through `prepare`, and the published package ships it). Source maps stay off:
// Node would parse every loaded module's map at start and keep it (6 MB of resident memory, a
// slower start); the bundle is not minified, so its stack traces read as they are, and
// NODE_OPTIONS=--enable-source-maps maps them back to the TypeScript sources when wanted.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`shoebox: ${main} is missing: run \`npm run build\` in the repository first.\n`);
  process.exit(1);
}
await import(pathToFileURL(main).href);
