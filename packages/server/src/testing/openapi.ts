import { expect, it } from 'vitest';

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
    expect(Object.keys(operation.responses).sort()).toEqual([...new Set(statuses)].sort());
    const described = JSON.stringify(operation.responses);
    for (const code of codes) expect(described, `${method} ${path} documents ${code}`).toContain(code);
  });
}
