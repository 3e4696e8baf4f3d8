import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, type WatchedPage, watchedPage } from '../testing/browser.js';
import { startTestServer, type TestServer } from '../testing/harness.js';
import { ROOMY_PLAN } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { demoFolder } from './routes.js';

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Each step's final screen, for a reviewer to look at; README.md shows a copy kept in docs/screenshots. */
const SCREENSHOTS = join(REPOSITORY, 'test-results/demo');
/** A phone: the sample app is mobile-first. */
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const screen = (page: Page, label: string) =>
  page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: label }).click();
const main = (page: Page) => page.getByRole('main');
const identityLine = (page: Page) => page.getByTestId('identity');
const identityId = async (page: Page) => /id_[A-Za-z0-9_-]+/.exec((await identityLine(page).textContent()) ?? '')?.[0];
const snapshot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `demo-${name}.png`), fullPage: true });

describe.skipIf(!browserAvailable)('the sample app at /demo/ in Chromium at a phone viewport', () => {
  let server: TestServer;
  let browser: Browser;
  let app: WatchedPage;
  let guest: string | undefined;
  beforeAll(async () => {
    // `npm install` builds the app; a checkout whose install skipped scripts builds it here.
    if (!demoFolder()) execFileSync('npm', ['run', 'build', '-w', '@shoebox/demo'], { cwd: REPOSITORY, stdio: 'ignore' });
    mkdirSync(SCREENSHOTS, { recursive: true });
    [server, browser] = await Promise.all([startTestServer({ env: ROOMY_PLAN }), launchBrowser()]);
    app = await watchedPage(browser, PHONE);
    app.page.setDefaultTimeout(30_000);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('makes a guest silently on the first visit', async () => {
    await app.page.goto(`${server.url}/demo`);
    await expect.poll(() => identityId(app.page)).toMatch(/^id_/);
    guest = await identityId(app.page);
    expect(await identityLine(app.page).textContent()).toContain('Guest');
    await snapshot(app.page, 'first-visit');
  });

  it('uploads a phone JPEG with GPS data, with a progress bar, and shows its thumbnail', async () => {
    const { page } = app;
    await screen(page, 'Upload Image');
    await page.getByLabel('Photo').setInputFiles({ name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: await phoneJpeg() });
    await page.getByRole('img', { name: 'Preview of the chosen file' }).waitFor();
    await main(page).getByRole('button', { name: 'Upload', exact: true }).click();
    const thumbnail = page.getByTestId('thumbnail');
    await thumbnail.waitFor();
    await expect.poll(() => thumbnail.evaluate((image: any) => image.complete && image.naturalWidth)).toBeGreaterThan(0);
    await snapshot(page, 'upload');
  });

  it('posts a note with the photo attached', async () => {
    const { page } = app;
    await screen(page, 'Post a Note');
    await page.getByLabel('Headline').fill('Harbour walk');
    await page.getByLabel('Text').fill('Sailboats leaving the harbour at dusk');
    await page.locator('fieldset input[type=radio]:not([value=""])').first().check();
    await main(page).getByRole('button', { name: 'Post', exact: true }).click();
    await expect.poll(() => page.getByTestId('posted').textContent()).toContain('with its photo');
    await snapshot(page, 'post');
  });

  it('finds the note through search, with the match highlighted', async () => {
    const { page } = app;
    await screen(page, 'Search');
    // The index follows the change stream: search again until the note is in it.
    await expect
      .poll(async () => {
        await page.getByLabel('Search your notes').fill('harbour');
        await main(page).getByRole('button', { name: 'Search', exact: true }).click();
        await page.getByRole('status').waitFor();
        return page.locator('.hits mark').count();
      })
      .toBeGreaterThan(0);
    expect(await page.locator('.hits h3').first().innerHTML()).toBe('<mark>Harbour</mark> walk');
    await snapshot(page, 'search');
  });

  it('is the same identity after a reload', async () => {
    await app.page.reload();
    await expect.poll(() => identityId(app.page)).toBe(guest);
  });

  it('signs up and keeps the notes and photos', async () => {
    const { page } = app;
    await screen(page, 'Account');
    await page.getByLabel('Email').fill(`demo-${Date.now()}@example.com`);
    await page.getByLabel('Password (8 characters or more)').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => identityLine(page).textContent()).toBe(`Signed in · ${guest}`);
    await screen(page, 'My notes and photos');
    await page.getByRole('heading', { name: 'Harbour walk' }).waitFor();
    await page.getByRole('img', { name: 'Attached to Harbour walk' }).waitFor();
    await snapshot(page, 'mine');
  });

  it('deletes the account in one confirmed action, and starts over as a new guest', async () => {
    const { page } = app;
    await screen(page, 'Account');
    await page.getByRole('button', { name: 'Delete my account…' }).click();
    await page.getByRole('button', { name: 'Yes, delete everything' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Account deleted.');
    await expect.poll(async () => (await identityLine(page).textContent()) ?? '').toMatch(/^Guest · id_/);
    expect(await identityId(page)).not.toBe(guest);
    await snapshot(page, 'deleted');
    // The realtime stream is cut on purpose when the page reloads and when the identity changes.
    const cutStream = /^request failed: GET \S+\/v1\/changes\/stream net::ERR_ABORTED$/;
    expect(app.troubles().filter((trouble) => !cutStream.test(trouble))).toEqual([]);
  });

  it('says clearly what went wrong: an unsupported file, no connection', async () => {
    const failing = await watchedPage(browser, PHONE);
    const { page } = failing;
    try {
      await page.goto(`${server.url}/demo/`);
      await expect.poll(() => identityId(page)).toMatch(/^id_/);
      await page.getByLabel('Photo').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
      await main(page).getByRole('button', { name: 'Upload', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('This type of file is not supported');

      // Notes written offline wait on the device (offline.browser.test.ts); a search needs the server.
      await screen(page, 'Search');
      await page.getByLabel('Search your notes').fill('harbour');
      await failing.context.setOffline(true);
      await main(page).getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('You seem to be offline');
      await snapshot(page, 'offline');
    } finally {
      await failing.close();
    }
  });

  it('works from the keyboard alone, in reading order', async () => {
    const keyboard = await watchedPage(browser, PHONE);
    const { page } = keyboard;
    const focused = () =>
      page.evaluate(() => (globalThis as any).document.activeElement?.textContent || (globalThis as any).document.activeElement?.id);
    try {
      await page.goto(`${server.url}/demo/`);
      await expect.poll(() => identityId(page)).toMatch(/^id_/);
      const order: string[] = [];
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Tab');
        order.push(await focused());
      }
      // The screens first, then the current screen's first field.
      expect(order).toEqual(['Upload Image', 'Post a Note', 'Search', 'My notes and photos', 'Account', 'photo-file']);
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 2, name: 'Search' }).waitFor();
    } finally {
      await keyboard.close();
    }
  });
});
