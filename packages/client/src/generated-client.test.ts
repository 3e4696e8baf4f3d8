import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestServer, type TestServer } from '../../server/src/testing/harness.js';
import { apiTypes } from './testing/api-types.js';
import { SMOKE_PROGRAM } from './testing/smoke-program.js';

/** Inside the package, so the program resolves openapi-fetch from the workspace's node_modules. */
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

describe('a client generated from /openapi.json by openapi-typescript, with openapi-fetch', () => {
  let server: TestServer;
  let folder: string;
  beforeAll(async () => {
    server = await startTestServer();
    folder = mkdtempSync(join(PACKAGE, '.smoke-'));
    writeFileSync(join(folder, 'api.ts'), await apiTypes(await json(await fetch(`${server.url}/openapi.json`))));
    writeFileSync(join(folder, 'smoke.ts'), SMOKE_PROGRAM);
  });
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await server?.stop();
  });

  it('compiles under strict TypeScript', () => {
    const program = ts.createProgram([join(folder, 'smoke.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });

  it('makes a guest, posts a note and finds it through search', async () => {
    const { guestNoteSearch } = await import(join(folder, 'smoke.ts'));
    const hits: string[] = await guestNoteSearch(server.url, server.apiKey, 'lighthouse');
    expect(hits).toHaveLength(1);
  });
});
