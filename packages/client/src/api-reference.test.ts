import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('builds its API reference from the doc comments with TypeDoc, with no warning', async () => {
  // typedoc.json treats warnings as errors: an exported name left undocumented or a broken link fails here.
  // TypeDoc exits non-zero on any of them, which rejects here.
  const { stdout, stderr } = await promisify(execFile)('npx', ['typedoc', '--emit', 'none'], { cwd: new URL('..', import.meta.url) });
  expect(`${stdout}${stderr}`).not.toMatch(/warning|error/);
}, 120_000);
