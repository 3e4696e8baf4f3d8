import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { bearer } from '../testing/identity.js';

/** Many HTTP clients send `content-type: application/json` on every request, with a body or not. */
describe('JSON bodies', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const createKey = async (name: string) =>
    json(
      await server.admin('/admin/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      }),
    );
  const revokedAt = async (id: string) => (await json(await server.admin(`/admin/keys/${id}`))).revokedAt;

  it.each(['application/json', 'application/json; charset=utf-8'])(
    'an empty body with content-type %s is accepted where a route takes no body',
    async (type) => {
      const key = await createKey('revoked with a JSON content type');
      const revoked = await server.admin(`/admin/keys/${key.id}`, { method: 'DELETE', headers: { 'content-type': type } });
      expect(revoked.status).toBe(200);
      expect((await json(revoked)).revokedAt).toEqual(expect.any(String));

      const guest = await server.v1('/v1/identities', { method: 'POST', headers: { 'content-type': type } });
      expect(guest.status).toBe(201);
      const { accessToken } = await json(guest);
      const deleted = await server.v1('/v1/identities/me', { method: 'DELETE', headers: { 'content-type': type, ...bearer(accessToken) } });
      expect(deleted.status).toBe(204);
    },
  );

  it('a body that is not JSON is still refused on a route that takes none, changing nothing', async () => {
    const key = await createKey('kept');
    const refused = await server.admin(`/admin/keys/${key.id}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: '{"unfinished":',
    });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ code: 'malformed_body' });
    expect(await revokedAt(key.id)).toBeNull();
  });

  it('an empty body is still refused where a route needs one, changing nothing', async () => {
    const before = (await json(await server.admin('/admin/keys'))).keys.length;
    const refused = await server.admin('/admin/keys', { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ code: 'malformed_body' });
    expect((await json(await server.admin('/admin/keys'))).keys).toHaveLength(before);
  });
});
