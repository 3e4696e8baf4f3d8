#!/usr/bin/env node
// The published package carries the repository's README, LICENSE and CHANGELOG: copied in before
// `npm pack`/`npm publish` (`copy`) and removed after (`remove`), so each has one source.
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = ['README.md', 'LICENSE', 'CHANGELOG.md'];

for (const name of DOCS) {
  if (process.argv[2] === 'copy') copyFileSync(join(root, '..', '..', name), join(root, name));
  else rmSync(join(root, name), { force: true });
}
