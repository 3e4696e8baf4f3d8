import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../packages/server/src/testing/harness.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const depcruise = join(repo, 'node_modules', '.bin', 'depcruise');
const cruise = (cwd: string) =>
  run(depcruise, ['packages/server/src', '--config', '.dependency-cruiser.cjs'], { cwd }).then(
    (done) => ({ code: 0, output: done.stdout }),
    (failed: { code: number; stdout: string }) => ({ code: failed.code, output: failed.stdout }),
  );

// The layering rule (docs/architecture.md), checked on small trees: every file it needs is planted.
describe('the dependency rule of npm run lint', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function tree(files: Record<string, string>): string {
    const dir = tempDir('layers');
    dirs.push(dir);
    cpSync(join(repo, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' } }));
    for (const [path, text] of Object.entries(files)) {
      const file = join(dir, 'packages/server/src', path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    return dir;
  }

  it('passes the real source tree', async () => {
    const { code, output } = await cruise(repo);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  });

  it.each([
    ['db/store.ts', "import { notes } from '../notes/service.js';\nexport const x = notes;\n", 'platform-knows-no-capability'],
    ['shared/util.ts', "import { app } from '../runtime/app.js';\nexport const x = app;\n", 'foundation-stands-alone'],
    ['notes/service.ts', "import { app } from '../runtime/app.js';\nexport const notes = app;\n", 'capabilities-below-the-assembly'],
    ['runtime/app.ts', "import { cli } from '../cli/main.js';\nexport const app = cli;\n", 'runtime-below-the-cli'],
    ['notes/routes.ts', "import { harness } from '../testing/harness.js';\nexport const x = harness;\n", 'no-test-code-in-the-product'],
    ['runtime/app.ts', "import { notes } from '../notes/service.js';\nexport const app = notes;\n", 'assembly-through-register'],
  ])('fails on a planted reverse import in %s', async (path, text, rule) => {
    const dir = tree({
      'notes/service.ts': 'export const notes = 1;\n',
      'runtime/app.ts': 'export const app = 1;\n',
      'cli/main.ts': 'export const cli = 1;\n',
      'testing/harness.ts': 'export const harness = 1;\n',
      [path]: text,
    });
    const { code, output } = await cruise(dir);
    expect(output).toContain(`error ${rule}:`);
    expect(code).not.toBe(0);
  });

  it("lets the assembly use a capability's register and factory modules, and its types from any module", async () => {
    const dir = tree({
      'notes/service.ts': 'export type Notes = { count: number };\n',
      'notes/register.ts': 'export const registerNotes = () => 1;\n',
      'notes/factory.ts': 'export const openNotes = () => 1;\n',
      'runtime/app.ts':
        "import type { Notes } from '../notes/service.js';\nimport { registerNotes } from '../notes/register.js';\nimport { openNotes } from '../notes/factory.js';\nexport const app = (notes: Notes) => [notes, registerNotes, openNotes];\n",
    });
    const { code, output } = await cruise(dir);
    expect(output).toContain('no dependency violations found');
    expect(code).toBe(0);
  });

  it('fails on a cycle of value imports between capabilities, not on one of type-only imports', async () => {
    const values = tree({
      'notes/a.ts': "import { b } from '../photos/b.js';\nexport const a = () => b;\n",
      'photos/b.ts': "import { a } from '../notes/a.js';\nexport const b = () => a;\n",
    });
    expect((await cruise(values)).output).toContain('error no-cycles:');
    const types = tree({
      'notes/a.ts': "import type { B } from '../photos/b.js';\nexport type A = { b?: B };\n",
      'photos/b.ts': "import type { A } from '../notes/a.js';\nexport type B = { a?: A };\n",
    });
    expect((await cruise(types)).code).toBe(0);
  });
});
