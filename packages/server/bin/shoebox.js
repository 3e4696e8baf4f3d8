#!/usr/bin/env node
// Runs the CLI compiled into dist/ by `npm run build` (scripts/build.mjs; `npm install` in a
// checkout runs it through `prepare`, and the published package ships it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`shoebox: ${main} is missing: run \`npm run build\` in the repository first.\n`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(main).href);
