import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, LAN_HOST, launchBrowser, type WatchedPage, watchedPage } from '../testing/browser.js';
import { startTestServer, type TestServer } from '../testing/harness.js';

/** Opens the reference page and waits until Swagger UI has rendered the document's operations. */
async function openDocs(browser: Browser, url: string): Promise<WatchedPage> {
  const docs = await watchedPage(browser);
  await docs.page.goto(url);
  await docs.page.locator('.opblock-tag-section').first().waitFor();
  return docs;
}

const operation = (page: Page, method: string, path: string) =>
  page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });

describe.skipIf(!browserAvailable)('the API reference page in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  // One rendering of the page serves the first two tests: Swagger UI takes a few seconds to draw it on a busy machine.
  let docs: WatchedPage;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
    docs = await openDocs(browser, `${server.url}/docs/`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("renders Shoebox's operations from its own files, with no error and no failed request", async () => {
    const { page } = docs;
    expect(await page.title()).toBe('Shoebox API reference');
    expect(await page.locator('.info .title').textContent()).toContain('Shoebox API');
    for (const tag of ['identities', 'notes', 'photos', 'search']) await page.locator(`.opblock-tag[data-tag="${tag}"]`).waitFor();
    await operation(page, 'post', '/v1/notes').waitFor();
    await operation(page, 'get', '/v1/identities/me').waitFor();
    expect(docs.troubles()).toEqual([]);
  });

  it('authorizes with the API key and runs GET /v1/ping from "Try it out"', async () => {
    const { page } = docs;
    await page.locator('button.authorize').first().click();
    const apiKey = page.locator('.auth-container').filter({ has: page.locator('#api_key_value') });
    await apiKey.locator('#api_key_value').fill(server.apiKey);
    await apiKey.locator('button.authorize').click();
    await page.locator('.modal-ux .close-modal').click();

    const ping = operation(page, 'get', '/v1/ping');
    await ping.locator('.opblock-summary').click();
    await ping.locator('.try-out__btn').click();
    const [response] = await Promise.all([page.waitForResponse(`${server.url}/v1/ping`), ping.locator('.execute').click()]);
    expect(response.status()).toBe(200);
    expect(response.request().headers()['x-api-key']).toBe(server.apiKey);
    const shown = ping.locator('.live-responses-table tbody');
    await expect.poll(() => shown.locator('.response-col_status').first().textContent()).toMatch(/^\s*200\s*$/);
    expect(await shown.locator('.response-col_description').first().textContent()).toContain('apiKeyId');
    expect(docs.troubles()).toEqual([]);
  });

  it('works over plain http from a LAN name, where the browser upgrades nothing', async () => {
    const lan = await openDocs(browser, `${server.url.replace('127.0.0.1', LAN_HOST)}/docs/`);
    try {
      await operation(lan.page, 'get', '/v1/ping').waitFor();
      // Browsers ignore Cross-Origin-Opener-Policy outside https and loopback, and say so; the page still works.
      expect(lan.troubles().filter((trouble) => !trouble.includes('Cross-Origin-Opener-Policy header has been ignored'))).toEqual([]);
    } finally {
      await lan.close();
    }
  });
});
