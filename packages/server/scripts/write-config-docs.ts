// Regenerates README's tables of configuration variables from packages/server/src/config/variables.ts
// (`npm run docs:config`); config/docs-table.test.ts fails while README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTables } from '../src/config/docs-table.js';

const readme = join(import.meta.dirname, '..', '..', '..', 'README.md');
const before = readFileSync(readme, 'utf8');
const after = withConfigTables(before);
if (after !== before) writeFileSync(readme, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md: configuration tables rewritten\n');
