import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';

describe.each(engines)('admin API for keys ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: { SHOEBOX_DEFAULT_RATE: '7', SHOEBOX_DEFAULT_BURST: '14' } });
  });
  afterAll(() => server.stop());

  const send = (method: string, path: string, body?: object) =>
    server.admin(path, { method, ...(body && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });

  it('creates a key with the default plan and shows its secret once', async () => {
    const response = await send('POST', '/admin/keys', { name: '  Android app  ' });
    expect(response.status).toBe(201);
    const created = await json(response);
    expect(created).toMatchObject({ name: 'Android app', rateLimit: { rate: 7, burst: 14 }, quota: null, revokedAt: null });
    expect(created.id).toMatch(/^key_/);
    expect(created.key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const shown = await json(await send('GET', `/admin/keys/${created.id}`));
    expect(shown).toMatchObject({ id: created.id, name: 'Android app', usage: null });
    expect(shown.key).toBeUndefined();
    const listed = await json(await send('GET', '/admin/keys'));
    expect(listed.keys.find((key: { id: string }) => key.id === created.id)).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect((await server.v1('/v1/ping', { headers: { 'x-api-key': created.key } })).status).toBe(200);
  });

  it('changes a plan partially, adds and removes a quota', async () => {
    const { id, key } = await json(await send('POST', '/admin/keys', { name: 'plan', rateLimit: { rate: 2, burst: 4 } }));
    expect(await json(await send('PATCH', `/admin/keys/${id}`, { rateLimit: { burst: 9 } }))).toMatchObject({
      rateLimit: { rate: 2, burst: 9 },
    });
    const withQuota = await json(await send('PATCH', `/admin/keys/${id}`, { quota: { limit: 10, period: 'week' } }));
    expect(withQuota).toMatchObject({ rateLimit: { rate: 2, burst: 9 }, quota: { limit: 10, period: 'week' } });
    await server.v1('/v1/ping', { headers: { 'x-api-key': key } });
    expect((await json(await send('GET', `/admin/keys/${id}`))).usage).toMatchObject({ used: 1, limit: 10, period: 'week' });
    expect(await json(await send('PATCH', `/admin/keys/${id}`, { quota: null }))).toMatchObject({ quota: null });
  });

  it('revokes idempotently, keeping the first revocation time', async () => {
    const { id } = await json(await send('POST', '/admin/keys', { name: 'revoke' }));
    const first = await json(await send('DELETE', `/admin/keys/${id}`));
    expect(first.revokedAt).toEqual(expect.any(String));
    const second = await json(await send('DELETE', `/admin/keys/${id}`));
    expect(second.revokedAt).toBe(first.revokedAt);
  });

  it.each([
    { name: 'an unknown id', method: 'PATCH', path: '/admin/keys/key_missing', body: { quota: null }, status: 404, code: 'not_found' },
    { name: 'an unknown id', method: 'DELETE', path: '/admin/keys/key_missing', status: 404, code: 'not_found' },
    {
      name: 'a bad plan',
      method: 'PATCH',
      path: '/admin/keys/ID',
      body: { rateLimit: { burst: 0 } },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'an unknown plan field',
      method: 'PATCH',
      path: '/admin/keys/ID',
      body: { name: 'renamed' },
      status: 400,
      code: 'validation_failed',
    },
    { name: 'a too long id', method: 'GET', path: `/admin/keys/${'k'.repeat(65)}`, status: 400, code: 'validation_failed' },
  ])('refuses $method with $name ($code) and changes nothing', async ({ method, path, body, status, code }) => {
    const { id } = await json(await send('POST', '/admin/keys', { name: 'unchanged', rateLimit: { rate: 3, burst: 3 } }));
    const before = await json(await send('GET', '/admin/keys'));
    const response = await send(method, path.replace('ID', id), body);
    expect(response.status).toBe(status);
    expect(await json(response)).toMatchObject({ code });
    expect(await json(await send('GET', '/admin/keys'))).toEqual(before);
  });
});
