import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answered,
  browserAvailable,
  fetchFromPage,
  LAN_HOST,
  launchBrowser,
  startWebApp,
  type WatchedPage,
  type WebApp,
  watchedPage,
} from '../testing/browser.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity } from '../testing/identity.js';

/** The requests a server answered on a path, from its request log (a refused preflight never reaches it). */
const seen = (server: TestServer, method: string, route: string) =>
  server.logs.filter((line) => line.msg === 'request' && line.method === method && line.route === route).length;

describe.skipIf(!browserAvailable)('a web app on another origin, in Chromium', () => {
  let browser: Browser;
  let webApp: WebApp;
  let tab: WatchedPage;
  let page: Page;
  beforeAll(async () => {
    [browser, webApp] = await Promise.all([launchBrowser(), startWebApp()]);
  });
  afterAll(async () => {
    await browser?.close();
    await webApp?.stop();
  });

  const openApp = async (origin = webApp.origin) => {
    tab = await watchedPage(browser);
    page = tab.page;
    await page.goto(`${origin}/`);
  };

  describe('when SHOEBOX_CORS_ORIGINS is not set', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
      await openApp();
    });
    afterAll(async () => {
      await tab?.close();
      await server?.stop();
    });

    it('cannot call the API: the browser refuses the preflight and never sends the request', async () => {
      const ping = await fetchFromPage(page, `${server.url}/v1/ping`, { headers: { 'x-api-key': server.apiKey } });
      expect(ping.error).toMatch(/^TypeError/);
      expect(seen(server, 'GET', '/v1/ping')).toBe(0);
    });

    it('cannot read an answer that needs no preflight either', async () => {
      const health = await fetchFromPage(page, `${server.url}/healthz`);
      expect(health.error).toMatch(/^TypeError/);
    });
  });

  describe("when SHOEBOX_CORS_ORIGINS names the app's origin", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ env: { SHOEBOX_CORS_ORIGINS: webApp.origin } });
      await openApp();
    });
    afterAll(async () => {
      await tab?.close();
      await server?.stop();
    });

    it('calls the API with its key and reads the rate-limit headers', async () => {
      const ping = answered(await fetchFromPage(page, `${server.url}/v1/ping`, { headers: { 'x-api-key': server.apiKey } }));
      expect(ping.status).toBe(200);
      expect(Object.keys(ping.headers)).toEqual(
        expect.arrayContaining(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-request-id']),
      );
      expect(tab.troubles()).toEqual([]);
    });

    it('creates a note as a guest, reads its ETag and Location, and updates it with If-Match', async () => {
      const key = { 'x-api-key': server.apiKey };
      const guest = answered(await fetchFromPage(page, `${server.url}/v1/identities`, { method: 'POST', headers: key }));
      expect(guest.status).toBe(201);
      const { accessToken } = JSON.parse(guest.body);
      const asGuest = { ...key, authorization: `Bearer ${accessToken}` };
      const withJson = { ...asGuest, 'content-type': 'application/json' };

      const create = {
        method: 'POST',
        headers: { ...withJson, 'idempotency-key': 'browser-note-1' },
        body: JSON.stringify({ headline: 'From a browser', text: 'Hello' }),
      };
      const created = answered(await fetchFromPage(page, `${server.url}/v1/notes`, create));
      expect(created.status).toBe(201);
      const { noteId } = JSON.parse(created.body);
      expect(created.headers.location).toBe(`/v1/notes/${noteId}`);
      expect(created.headers.etag).toMatch(/^"/);
      const replayed = answered(await fetchFromPage(page, `${server.url}/v1/notes`, create));
      expect({ status: replayed.status, replayed: replayed.headers['idempotent-replayed'] }).toEqual({ status: 201, replayed: 'true' });

      const patch = (etag: string, headline: string) =>
        fetchFromPage(page, `${server.url}/v1/notes/${noteId}`, {
          method: 'PATCH',
          headers: { ...withJson, 'if-match': etag },
          body: JSON.stringify({ headline }),
        });
      const updated = answered(await patch(created.headers.etag!, 'Edited in a browser'));
      expect(updated.status).toBe(200);
      expect(updated.headers.etag).not.toBe(created.headers.etag);
      const stale = answered(await patch(created.headers.etag!, 'Lost update'));
      expect({ status: stale.status, type: stale.headers['content-type'], code: JSON.parse(stale.body).code }).toEqual({
        status: 412,
        type: expect.stringMatching(/^application\/problem\+json/),
        code: 'precondition_failed',
      });
      expect((await json(await asIdentity(server, accessToken, `/v1/notes/${noteId}`))).headline).toBe('Edited in a browser');

      const url = `${server.url}/v1/notes/${noteId}`;
      const deleted = answered(
        await fetchFromPage(page, url, { method: 'DELETE', headers: { ...asGuest, 'if-match': updated.headers.etag! } }),
      );
      expect(deleted.status).toBe(204);
      expect((await asIdentity(server, accessToken, `/v1/notes/${noteId}`)).status).toBe(404);
      expect(tab.troubles().filter((trouble) => !trouble.includes('412'))).toEqual([]);
    });

    it('reads refusals: problem documents, and Retry-After when rate limited', async () => {
      const wrongKey = answered(await fetchFromPage(page, `${server.url}/v1/ping`, { headers: { 'x-api-key': 'sbk_wrong' } }));
      expect({ status: wrongKey.status, code: JSON.parse(wrongKey.body).code }).toEqual({ status: 403, code: 'api_key_invalid' });

      const created = await server.admin('/admin/keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'one a minute', rateLimit: { rate: 1 / 60, burst: 1 } }),
      });
      const { key } = await json(created);
      const ping = () => fetchFromPage(page, `${server.url}/v1/ping`, { headers: { 'x-api-key': key } });
      expect(answered(await ping()).status).toBe(200);
      const limited = answered(await ping());
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers['ratelimit-remaining']).toBe('0');
    });

    it('stays closed to other origins', async () => {
      const other = await watchedPage(browser);
      try {
        await other.page.goto(`${webApp.origin.replace('127.0.0.1', LAN_HOST)}/`);
        const before = seen(server, 'GET', '/v1/ping');
        const ping = await fetchFromPage(other.page, `${server.url}/v1/ping`, { headers: { 'x-api-key': server.apiKey } });
        expect(ping.error).toMatch(/^TypeError/);
        expect(seen(server, 'GET', '/v1/ping')).toBe(before);
      } finally {
        await other.close();
      }
    });
  });
});
