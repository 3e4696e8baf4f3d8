import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answered,
  browserAvailable,
  fetchFromPage,
  launchBrowser,
  startWebApp,
  type WatchedPage,
  type WebApp,
  watchedPage,
} from '../testing/browser.js';
import { startTestServer, type TestServer } from '../testing/harness.js';
import { image } from '../testing/images.js';

// The embedded engine: its signed blob URLs are Shoebox's own /blobs routes, so CORS applies to them too.
// (On S3 the bucket's own CORS rules govern the upload.)
describe.skipIf(!browserAvailable)('a photo uploaded from a web app on another origin, in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let webApp: WebApp;
  let tab: WatchedPage;
  let page: Page;
  beforeAll(async () => {
    [browser, webApp] = await Promise.all([launchBrowser(), startWebApp()]);
    server = await startTestServer({ env: { SHOEBOX_CORS_ORIGINS: webApp.origin } });
    tab = await watchedPage(browser);
    page = tab.page;
    await page.goto(`${webApp.origin}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await webApp?.stop();
    await server?.stop();
  });

  it('creates the photo, PUTs the bytes to the signed URL, completes it and shows the variant in an <img>', async () => {
    const jpeg = await image('jpeg', 120, 80);
    const key = { 'x-api-key': server.apiKey };
    const guest = answered(await fetchFromPage(page, `${server.url}/v1/identities`, { method: 'POST', headers: key }));
    const asGuest = { ...key, authorization: `Bearer ${JSON.parse(guest.body).accessToken}` };
    const api = (path: string, method = 'GET', body?: unknown) =>
      fetchFromPage(page, `${server.url}${path}`, {
        method,
        headers: body === undefined ? asGuest : { ...asGuest, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      }).then(answered);

    const created = await api('/v1/photos', 'POST', { contentType: 'image/jpeg', contentLength: jpeg.length });
    expect(created.status).toBe(201);
    const { photoId, upload } = JSON.parse(created.body);
    expect(upload.url).toMatch(new RegExp(`^${server.url}/blobs/`));

    const put = answered(
      await fetchFromPage(page, upload.url, { method: 'PUT', headers: upload.headers, base64Body: jpeg.toString('base64') }),
    );
    expect(put.status).toBe(204);
    expect(put.headers.etag).toMatch(/^"/);
    expect((await api(`/v1/photos/${photoId}/complete`, 'POST')).status).toBe(200);

    const photo = async () => JSON.parse((await api(`/v1/photos/${photoId}`)).body);
    await expect.poll(async () => (await photo()).status, { timeout: 15_000, interval: 100 }).toBe('ready');
    const display = (await photo()).variants.display;

    const download = answered(await fetchFromPage(page, display.url));
    expect({ status: download.status, type: download.headers['content-type'], etag: download.headers.etag }).toEqual({
      status: 200,
      type: 'image/jpeg',
      etag: expect.stringMatching(/^"/),
    });

    // A plain <img> (no CORS) and one that asks for CORS, as an app drawing the photo on a canvas would.
    await page.setContent(`<img id="plain" src="${display.url}"><img id="cors" crossorigin="anonymous" src="${display.url}">`);
    for (const id of ['plain', 'cors']) {
      await expect
        .poll(() => page.locator(`#${id}`).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
        .toBe(display.width);
    }
    expect(tab.troubles()).toEqual([]);
  });
});
