import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, startTestServer, type TestServer } from './harness.js';

/** A route as its OpenAPI operation must describe it: every status it answers, problem codes it names. */
export interface DocumentedRoute {
  readonly method: string;
  readonly path: string;
  readonly statuses: readonly string[];
  readonly codes: readonly string[];
}

/** Registers one test per route checking its operation in the OpenAPI document `doc()` answers. */
export function itDocuments(routes: readonly DocumentedRoute[], doc: () => any): void {
  it.each(routes)('describes $method $path with its answers and problems', ({ method, path, statuses, codes }) => {
    const operation = doc().paths[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    expect(operation.summary).toEqual(expect.any(String));
    expect(operation.tags.length).toBeGreaterThan(0);
    expect(operation.security).toBeDefined();
    // Every operation also documents 500 and 503 (http/openapi-document.ts).
    expect(Object.keys(operation.responses).sort()).toEqual([...new Set([...statuses, '500', '503'])].sort());
    const described = JSON.stringify(operation.responses);
    for (const code of codes) expect(described, `${method} ${path} documents ${code}`).toContain(code);
  });
}

/** A schema of the document, following a `$ref` to the named schema in components. */
export const resolved = (doc: any, schema: any): any =>
  typeof schema?.$ref === 'string' ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;

/** Starts a server for the surrounding describe block; the getter answers its OpenAPI document once fetched. */
export function servedOpenApiDocument(): () => any {
  let server: TestServer;
  let doc: any;
  beforeAll(async () => {
    server = await startTestServer();
    doc = await json(await fetch(`${server.url}/openapi.json`));
  });
  afterAll(() => server.stop());
  return () => doc;
}
