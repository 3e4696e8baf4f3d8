import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, expectProblem, ROOMY_PLAN } from '../testing/identity.js';
import { withJson } from '../testing/requests.js';
import { eventually } from '../testing/shoebox.js';
import { startReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js';

/** Every webhook row and queued delivery: what a refused request must leave as it was. */
async function webhooksSnapshot(server: TestServer): Promise<unknown[]> {
  const { db } = server.server.shoebox.database;
  return [
    await db.selectFrom('webhooks').selectAll().orderBy('id').execute(),
    await db.selectFrom('webhook_deliveries').selectAll().orderBy('id').execute(),
  ];
}

describe.each(engines)('admin API for webhooks ($name)', (engine) => {
  let server: TestServer;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    server = await startTestServer({ engine, env: { ...ROOMY_PLAN, SHOEBOX_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await server.stop();
  });

  const send = (method: string, path: string, body?: unknown) => server.admin(path, withJson(method, body));
  const create = async (body: object = {}) => {
    const response = await send('POST', '/admin/webhooks', { url: receiver.url, events: ['note.created'], ...body });
    expect(response.status).toBe(201);
    return json(response);
  };

  it('registers a webhook and shows its secret once', async () => {
    const created = await create({ description: '  CRM sync  ', events: ['note.created', 'note.deleted'] });
    expect(created).toEqual({
      id: expect.stringMatching(/^whk_/),
      url: receiver.url,
      events: ['note.created', 'note.deleted'],
      description: 'CRM sync',
      paused: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      previousSecretExpiresAt: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/),
    });
    const { secret, ...shown } = created;
    expect(await json(await send('GET', `/admin/webhooks/${created.id}`))).toEqual(shown);
    const listed = await json(await send('GET', '/admin/webhooks'));
    expect(listed.webhooks).toContainEqual(shown);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('changes events and description, pauses and resumes', async () => {
    const { id } = await create();
    expect(await json(await send('PATCH', `/admin/webhooks/${id}`, { events: ['photo.ready'], paused: true }))).toMatchObject({
      events: ['photo.ready'],
      paused: true,
    });
    expect(await json(await send('PATCH', `/admin/webhooks/${id}`, { paused: false, description: 'resumed' }))).toMatchObject({
      events: ['photo.ready'],
      paused: false,
      description: 'resumed',
    });
  });

  it('rotates the secret: old and new both sign during the grace period, only the new one after', async () => {
    // A receiver of its own: the other tests' webhooks deliver to the shared one.
    const own = await startReceiver();
    try {
      const { id, secret: old } = await create({ url: own.url });
      const rotated = await json(await send('POST', `/admin/webhooks/${id}/rotate-secret`, { graceSeconds: 3600 }));
      expect(rotated.secret).not.toBe(old);
      expect(Date.parse(rotated.previousSecretExpiresAt)).toBeGreaterThan(Date.now());
      own.secrets = [old, rotated.secret];
      const guest = await createGuest(server);
      await asIdentity(server, guest.accessToken, '/v1/notes', withJson('POST', { headline: 'rotated', text: 'x' }));
      const delivered = await eventually(async () => own.received[0]);
      expect(delivered.signedWith).toEqual([old, rotated.secret]);
      expect(delivered.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);

      const again = await json(await send('POST', `/admin/webhooks/${id}/rotate-secret`, { graceSeconds: 0 }));
      expect(again.previousSecretExpiresAt).toBeNull();
      own.secrets = [old, rotated.secret, again.secret];
      await asIdentity(server, guest.accessToken, '/v1/notes', withJson('POST', { headline: 'rotated again', text: 'x' }));
      const last = await eventually(async () => own.received.find((r) => r.body.data.headline === 'rotated again'));
      expect(last.signedWith).toEqual([again.secret]);
    } finally {
      await own.close();
    }
  });

  it('deletes a webhook with its deliveries', async () => {
    const { id } = await create();
    expect((await send('DELETE', `/admin/webhooks/${id}`)).status).toBe(204);
    await expectProblem(await send('GET', `/admin/webhooks/${id}`), 404, 'not_found');
    await expectProblem(await send('GET', `/admin/webhooks/${id}/deliveries`), 404, 'not_found');
  });

  const refusedTargets = [
    'http://10.1.2.3/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://127.0.0.2/hook',
    'http://[::1]:8080/hook',
    'http://[::ffff:10.0.0.1]/hook',
    'http://[fd00::1]/hook',
    'http://0.0.0.0/hook',
  ];
  it.each(refusedTargets)('refuses the private target %s', async (url) => {
    const before = await webhooksSnapshot(server);
    const problem = await expectProblem(await send('POST', '/admin/webhooks', { url, events: ['note.created'] }), 400, 'validation_failed');
    expect(problem.detail).toMatch(/SHOEBOX_WEBHOOK_ALLOWED_HOSTS/);
    expect(await webhooksSnapshot(server)).toEqual(before);
  });

  it.each([
    { name: 'no events', method: 'POST', path: '/admin/webhooks', body: { url: 'https://example.com/', events: [] }, status: 400 },
    {
      name: 'an unknown event',
      method: 'POST',
      path: '/admin/webhooks',
      body: { url: 'https://example.com/', events: ['note.read'] },
      status: 400,
    },
    {
      name: 'a repeated event',
      method: 'POST',
      path: '/admin/webhooks',
      body: { url: 'https://example.com/', events: ['note.created', 'note.created'] },
      status: 400,
    },
    {
      name: 'an ftp URL',
      method: 'POST',
      path: '/admin/webhooks',
      body: { url: 'ftp://example.com/', events: ['note.created'] },
      status: 400,
    },
    {
      name: 'credentials in the URL',
      method: 'POST',
      path: '/admin/webhooks',
      body: { url: 'http://user:pw@127.0.0.1/', events: ['note.created'] },
      status: 400,
    },
    { name: 'not a URL', method: 'POST', path: '/admin/webhooks', body: { url: 'hook', events: ['note.created'] }, status: 400 },
    {
      name: 'a too long URL',
      method: 'POST',
      path: '/admin/webhooks',
      body: { url: `https://example.com/${'a'.repeat(2048)}`, events: ['note.created'] },
      status: 400,
    },
    {
      name: 'an unknown field',
      method: 'POST',
      path: '/admin/webhooks',
      body: { url: 'https://example.com/', events: ['note.created'], secret: 'mine' },
      status: 400,
    },
    { name: 'broken JSON', method: 'POST', path: '/admin/webhooks', body: '{"url":', status: 400, code: 'malformed_body' },
    { name: 'an empty change', method: 'PATCH', path: '/admin/webhooks/ID', body: {}, status: 400 },
    { name: 'a private URL', method: 'PATCH', path: '/admin/webhooks/ID', body: { url: 'http://10.0.0.1/' }, status: 400 },
    { name: 'a bad paused', method: 'PATCH', path: '/admin/webhooks/ID', body: { paused: 'yes' }, status: 400 },
    { name: 'a too long grace', method: 'POST', path: '/admin/webhooks/ID/rotate-secret', body: { graceSeconds: 10_000_000 }, status: 400 },
    { name: 'a bad status', method: 'GET', path: '/admin/webhooks/ID/deliveries?status=lost', status: 400 },
    { name: 'a too high limit', method: 'GET', path: '/admin/webhooks/ID/deliveries?limit=501', status: 400 },
    {
      name: 'an unknown webhook',
      method: 'PATCH',
      path: '/admin/webhooks/whk_missing',
      body: { paused: true },
      status: 404,
      code: 'not_found',
    },
    { name: 'an unknown webhook', method: 'DELETE', path: '/admin/webhooks/whk_missing', status: 404, code: 'not_found' },
    {
      name: 'an unknown webhook',
      method: 'POST',
      path: '/admin/webhooks/whk_missing/rotate-secret',
      body: {},
      status: 404,
      code: 'not_found',
    },
    {
      name: 'an unknown dead letter',
      method: 'POST',
      path: '/admin/webhooks/ID/deliveries/evt_missing/redrive',
      status: 404,
      code: 'not_found',
    },
    { name: 'a too long id', method: 'GET', path: `/admin/webhooks/${'w'.repeat(65)}`, status: 400 },
  ])('refuses $method with $name and changes nothing', async ({ method, path, body, status, code }) => {
    const { id } = await create();
    const before = await webhooksSnapshot(server);
    await expectProblem(
      await send(method, path.replace('ID', id), body),
      status,
      code ?? (status === 400 ? 'validation_failed' : 'not_found'),
    );
    expect(await webhooksSnapshot(server)).toEqual(before);
  });

  it('needs the admin token', async () => {
    const before = await webhooksSnapshot(server);
    const response = await fetch(`${server.url}/admin/webhooks`, withJson('POST', { url: receiver.url, events: ['note.created'] }));
    await expectProblem(response, 401, 'admin_token_required');
    expect(await webhooksSnapshot(server)).toEqual(before);
  });
});

describe.each(engines)('webhook targets without an allow-list ($name)', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ engine });
  });
  afterAll(() => server.stop());

  it.each(['http://127.0.0.1:9/hook', 'http://localhost:9/hook'])('refuses %s, loopback once resolved', async (url) => {
    const response = await server.admin('/admin/webhooks', withJson('POST', { url, events: ['note.created'] }));
    const problem = await expectProblem(response, 400, 'validation_failed');
    expect(problem.detail).toMatch(/loopback/);
    expect((await json(await server.admin('/admin/webhooks'))).webhooks).toEqual([]);
  });
});
