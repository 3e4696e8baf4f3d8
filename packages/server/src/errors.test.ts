import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from './errors.js';

describe('the documented problem codes', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  it.each(Object.entries(PROBLEMS))('docs/errors.md documents %s with its status', (code, { status }) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`));
  });
});
