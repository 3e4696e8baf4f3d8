import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { answeredRoutes } from './openapi.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Routes that are not the API: the document itself (the reference page's files and /openapi.json) and the sample app. */
const NOT_THE_API = /^\/(docs(\/|$)|openapi\.json$|demo(\/|$))/;
/** Operations that cannot answer a 4xx: nothing to document for Redocly's operation-4xx-response. */
const NEVER_4XX = ['#/paths/~1healthz/get/responses', '#/paths/~1readyz/get/responses', '#/paths/~1.well-known~1jwks.json/get/responses'];

/** A path with its parameters' names left out: Fastify's `/a/:id/*` and OpenAPI's `/a/{id}/{token}` both read `/a/{}/{}`. */
const shape = (path: string) => path.replace(/\{[^}]*\}|:[^/]+|\*/g, '{}');

describe('the OpenAPI document', () => {
  let server: TestServer;
  let document: any;
  beforeAll(async () => {
    server = await startTestServer();
    document = await json(await fetch(`${server.url}/openapi.json`));
  });
  afterAll(() => server.stop());

  const operations = () =>
    Object.entries<any>(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] })),
    );

  it("passes Redocly's recommended rules with no error", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
    const reported = problems.map((problem) => ({
      severity: problem.severity,
      rule: problem.ruleId,
      at: problem.location[0]?.pointer,
      message: problem.message,
    }));
    expect(reported.filter((problem) => problem.severity === 'error')).toEqual([]);
    const unexpectedWarnings = reported.filter(
      (problem) => !(problem.rule === 'operation-4xx-response' && NEVER_4XX.includes(problem.at ?? '')),
    );
    expect(unexpectedWarnings).toEqual([]);
  });

  it('documents every route the server answers, each with an operationId, tags and a summary', () => {
    const documented = new Map(Object.entries<any>(document.paths).map(([path, item]) => [shape(path), item]));
    const routes = answeredRoutes(server.server.app.fastify).filter((route) => !NOT_THE_API.test(route.url));
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes.filter(({ method, url }) => {
      const item = documented.get(shape(url));
      // Fastify answers HEAD for every GET route: the GET's documentation covers it.
      const operation = item?.[method.toLowerCase()] ?? (method === 'HEAD' ? item?.get : undefined);
      return !operation?.operationId || !operation.summary || !operation.tags?.length;
    });
    expect(missing).toEqual([]);
    expect(routes.filter((route) => route.hidden)).toEqual([]);
  });

  it('gives every operation its own operationId and documents 500 and 503 as problems', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, operation } of operations()) {
      for (const status of ['500', '503']) {
        expect(operation.responses[status]?.content, `${method} ${path} ${status}`).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
      }
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (Number(status) >= 400)
          expect(Object.keys(response.content), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        else expect(response.description, `${method} ${path} ${status}`).not.toBe('Default Response');
      }
    }
  });

  it('names the shared schemas in components and refers to them', () => {
    for (const name of ['Note', 'NoteInput', 'NotePage', 'Photo', 'PhotoVariant', 'UploadTicket', 'TokenPair', 'Identity']) {
      expect(document.components.schemas, name).toHaveProperty(name);
    }
    for (const name of ['SearchHit', 'SearchPage', 'PhotoPage', 'Problem']) expect(document.components.schemas).toHaveProperty(name);
    const created = document.paths['/v1/notes'].post;
    expect(created.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/NoteInput' });
    expect(created.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Note' });
    expect(document.components.schemas.NotePage.properties.notes.items).toEqual({ $ref: '#/components/schemas/Note' });
    expect(document.components.schemas.NewPhoto.properties.upload).toEqual({ $ref: '#/components/schemas/UploadTicket' });
  });

  it('documents the headers clients rely on', () => {
    const created = document.paths['/v1/notes'].post.responses;
    expect(Object.keys(created['201'].headers)).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'Idempotent-Replayed', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
    );
    expect(created['429'].headers).toHaveProperty('Retry-After');
    expect(created['503'].headers).toHaveProperty('Retry-After');
    expect(document.paths['/v1/notes/{noteId}'].get.responses['304'].headers).toHaveProperty('ETag');
    expect(document.paths['/v1/notes/{noteId}'].patch.responses['200'].headers).toHaveProperty('ETag');
  });

  it('marks parameters with defaults optional and names the blob token', () => {
    const parameters = (path: string, method: string) =>
      Object.fromEntries(document.paths[path][method].parameters.map((parameter: any) => [parameter.name, parameter.required]));
    expect(parameters('/v1/notes', 'get')).toEqual({ limit: false, cursor: false, photoId: false });
    expect(parameters('/v1/search', 'get')).toEqual({ q: true, limit: false, cursor: false, scope: false });
    expect(parameters('/blobs/{token}', 'put')).toEqual({ token: true });
    expect(document.paths['/blobs/{token}'].put.requestBody.content).toHaveProperty('image/*');
  });
});
