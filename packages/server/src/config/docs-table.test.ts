import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { withConfigTables } from './docs-table.js';

const readme = readFileSync(resolve(import.meta.dirname, '../../../../README.md'), 'utf8');

it('has README’s tables of variables generated from the table Shoebox reads', () => {
  expect(readme).toContain('<!-- config-table: all -->');
  // On failure: a variable changed in config/variables.ts; run `npm run docs:config` and commit README.md.
  expect(withConfigTables(readme) === readme, 'README.md is out of date: npm run docs:config').toBe(true);
});

it('refuses a table that names no variable', () => {
  expect(() => withConfigTables('<!-- config-table: SHOEBOX_NOPE -->\n<!-- /config-table -->')).toThrow(
    /"SHOEBOX_NOPE" is neither all, a group of identity, notes/,
  );
});
