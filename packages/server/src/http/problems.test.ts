import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../testing/harness.js';

const keyCount = async (server: TestServer) => (await json(await server.admin('/admin/keys'))).keys.length;

describe.each(engines)('problem documents ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: { SHOEBOX_BODY_LIMIT_BYTES: '4096' } });
  });
  afterAll(() => server.stop());

  const post = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    server.admin('/admin/keys', { method: 'POST', headers, body });

  const deep = `${'['.repeat(1500)}${']'.repeat(1500)}`;
  it.each([
    { name: 'malformed JSON', send: () => post('{"name": "x",'), status: 400, code: 'malformed_body' },
    { name: 'an empty JSON body', send: () => post(''), status: 400, code: 'malformed_body' },
    { name: 'a JSON array instead of an object', send: () => post('[1,2]'), status: 400, code: 'validation_failed' },
    { name: 'a wrong type', send: () => post('{"name": 5}'), status: 400, code: 'validation_failed', field: 'body.name' },
    {
      name: 'a number as a string',
      send: () => post('{"name": "x", "rateLimit": {"rate": "5", "burst": 2}}'),
      status: 400,
      code: 'validation_failed',
      field: 'body.rateLimit.rate',
    },
    {
      name: 'an unknown field',
      send: () => post('{"name": "x", "admin": true}'),
      status: 400,
      code: 'validation_failed',
      field: 'body.admin',
    },
    { name: 'a missing field', send: () => post('{}'), status: 400, code: 'validation_failed', field: 'body.name' },
    { name: 'a blank name', send: () => post('{"name": "   "}'), status: 400, code: 'validation_failed', field: 'body.name' },
    {
      name: 'an out-of-range number',
      send: () => post('{"name": "x", "rateLimit": {"rate": 0, "burst": 1}}'),
      status: 400,
      code: 'validation_failed',
      field: 'body.rateLimit.rate',
    },
    {
      name: 'an unknown quota period',
      send: () => post('{"name": "x", "quota": {"limit": 5, "period": "year"}}'),
      status: 400,
      code: 'validation_failed',
    },
    { name: 'prototype pollution', send: () => post('{"name": "x", "__proto__": {"admin": true}}'), status: 400, code: 'malformed_body' },
    { name: 'a deeply nested body', send: () => post(`{"name": ${deep}}`), status: 400, code: 'validation_failed' },
    { name: 'a body over the limit', send: () => post(JSON.stringify({ name: 'x'.repeat(5000) })), status: 413, code: 'payload_too_large' },
    {
      name: 'a text/plain body',
      send: () => post('name=x', { 'content-type': 'text/plain' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'a form body',
      send: () => post('name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    { name: 'an unknown route', send: () => server.v1('/v1/nothing-here'), status: 404, code: 'route_not_found' },
    { name: 'an unknown key id', send: () => server.admin('/admin/keys/key_nope'), status: 404, code: 'not_found' },
    { name: 'no admin token', send: () => fetch(`${server.url}/admin/keys`), status: 401, code: 'admin_token_required' },
    {
      name: 'a wrong admin token',
      send: () => fetch(`${server.url}/admin/keys`, { headers: { authorization: 'Bearer nope' } }),
      status: 403,
      code: 'admin_token_invalid',
    },
    {
      name: 'a non-bearer admin token',
      send: () => fetch(`${server.url}/admin/keys`, { headers: { authorization: `Basic ${TEST_ADMIN_TOKEN}` } }),
      status: 403,
      code: 'admin_token_invalid',
    },
  ])('answers $name with $status $code and changes nothing', async ({ send, status, code, field }) => {
    const before = await keyCount(server);
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = await json(response);
    expect(body).toMatchObject({
      type: `urn:shoebox:problem:${code}`,
      status,
      code,
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(body.instance).toBe(response.headers.get('x-request-id'));
    if (field) expect(body.errors).toContainEqual(expect.objectContaining({ field }));
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|SELECT|sqlite/i);
    expect(await keyCount(server)).toBe(before);
  });
});

describe('internal errors', () => {
  it('answer 500 internal without the cause, and /readyz 503, when the database is gone', async () => {
    const server = await startTestServer();
    try {
      await server.server.shoebox.database.close();
      const listed = await server.admin('/admin/keys');
      expect(listed.status).toBe(500);
      const body = await json(listed);
      expect(body).toMatchObject({ code: 'internal', status: 500 });
      expect(JSON.stringify(body)).not.toMatch(/sqlite|driver|destroy|stack/i);
      expect(server.logs.some((line) => line.level === 50 && line.requestId === body.instance)).toBe(true);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await json(ready)).toMatchObject({ code: 'unavailable' });
    } finally {
      await server.server.app.fastify.close();
    }
  });
});
