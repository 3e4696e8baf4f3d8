import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, type WatchedPage, watchedPage } from '../testing/browser.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, ROOMY_PLAN } from '../testing/identity.js';
import { withJson } from '../testing/requests.js';
import { demoFolder } from './routes.js';

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const screen = (page: Page, label: string) =>
  page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: label }).click();
const main = (page: Page) => page.getByRole('main');
const noteItem = (page: Page, headline: string) => page.getByTestId('note').filter({ has: page.getByRole('heading', { name: headline }) });
/** What the app keeps in localStorage: its tokens, and the synced copy with its queue. */
const stored = async (page: Page, key: string) =>
  JSON.parse((await page.evaluate((name) => (globalThis as any).localStorage.getItem(name), key)) ?? 'null');

describe.skipIf(!browserAvailable).each(engines)('the sample app offline and live, in Chromium ($name)', (engine) => {
  let server: TestServer;
  let browser: Browser;
  let app: WatchedPage;
  /** The app's identity, used by the test as another device would. */
  let accessToken: string;
  const api = (method: string, path: string, body?: unknown) => asIdentity(server, accessToken, path, withJson(method, body));
  const notesOnServer = async (): Promise<any[]> => (await json(await api('GET', '/v1/notes?limit=100'))).notes;

  beforeAll(async () => {
    // `npm install` builds the app; a checkout whose install skipped scripts builds it here.
    if (!demoFolder()) execFileSync('npm', ['run', 'build', '-w', '@shoebox/demo'], { cwd: REPOSITORY, stdio: 'ignore' });
    [server, browser] = await Promise.all([startTestServer({ engine, env: ROOMY_PLAN }), launchBrowser()]);
    app = await watchedPage(browser, PHONE);
    app.page.setDefaultTimeout(30_000);
    await app.page.goto(`${server.url}/demo/`);
    await app.page.getByTestId('identity').filter({ hasText: /id_/ }).waitFor();
    accessToken = (await stored(app.page, 'shoebox.session')).accessToken;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a note written on another device as it arrives, without a reload', async () => {
    const { page } = app;
    await screen(page, 'My notes and photos');
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('live');
    const response = await api('POST', '/v1/notes', { headline: 'From another device', text: 'through the API' });
    expect(response.status).toBe(201);
    await noteItem(page, 'From another device').waitFor();
    expect(await noteItem(page, 'From another device').getByTestId('pending').count()).toBe(0);
  });

  it('keeps a note written offline as waiting, and sends it once when back online', async () => {
    const { page, context } = app;
    await context.setOffline(true);
    await screen(page, 'Post a Note');
    await page.getByLabel('Headline').fill('Written offline');
    await page.getByLabel('Text').fill('on the train');
    await main(page).getByRole('button', { name: 'Post', exact: true }).click();
    await expect.poll(() => page.getByTestId('posted').textContent()).toContain('Saved “Written offline” on this device');

    await screen(page, 'My notes and photos');
    await expect.poll(() => noteItem(page, 'Written offline').getByTestId('pending').textContent()).toBe('Waiting to be sent');
    expect(await page.getByTestId('connection').textContent()).toContain('1 waiting to be sent');
    // Queued under the id the app chose, and saved on the device; the server has nothing yet.
    const [queued] = (await stored(page, 'shoebox.demo.sync')).queue;
    expect(queued).toMatchObject({ kind: 'create', input: { headline: 'Written offline' } });
    expect((await notesOnServer()).map((note) => note.headline)).not.toContain('Written offline');

    await context.setOffline(false);
    await expect.poll(() => noteItem(page, 'Written offline').getByTestId('pending').count()).toBe(0);
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Up to date');
    const sent = (await notesOnServer()).filter((note) => note.headline === 'Written offline');
    expect(sent).toEqual([expect.objectContaining({ noteId: queued.noteId, text: 'on the train', version: 1 })]);
  });

  it('shows both versions of a note changed elsewhere while edited offline, and keeps the one chosen', async () => {
    const { page, context } = app;
    await screen(page, 'My notes and photos');
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Edit Written offline' }).click();
    await page.getByLabel('Text').fill('my offline edit');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => noteItem(page, 'Written offline').getByTestId('pending').textContent()).toBe('Change waiting to be sent');
    const [{ noteId }] = (await notesOnServer()).filter((note) => note.headline === 'Written offline');
    expect((await api('PATCH', `/v1/notes/${noteId}`, { text: 'changed on another device' })).status).toBe(200);

    await context.setOffline(false);
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.getByRole('region', { name: 'Your version' }).textContent()).toContain('my offline edit');
    expect(await conflict.getByRole('region', { name: 'The other version' }).textContent()).toContain('changed on another device');
    expect(await page.getByTestId('connection').textContent()).toContain('1 to resolve');
    // Nothing was overwritten while the conflict waits.
    expect((await json(await api('GET', `/v1/notes/${noteId}`))).text).toBe('changed on another device');

    await conflict.getByRole('button', { name: 'Keep mine' }).click();
    await expect.poll(() => page.getByTestId('conflict').count()).toBe(0);
    await expect.poll(async () => (await json(await api('GET', `/v1/notes/${noteId}`))).text).toBe('my offline edit');
    await expect.poll(() => noteItem(page, 'Written offline').textContent()).toContain('my offline edit');
  });

  it('opens offline with the notes it kept, and takes notes there too', async () => {
    const { page, context } = app;
    // Once the service worker controls the page (from the next load on), it keeps the app's files.
    await page.evaluate(() => (globalThis as any).navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await expect.poll(() => page.evaluate(() => (globalThis as any).navigator.serviceWorker.controller !== null)).toBe(true);
    await page.getByTestId('identity').filter({ hasText: /id_/ }).waitFor();

    await context.setOffline(true);
    await page.reload();
    // Offline indeed: a file the app never loaded cannot be had.
    expect(
      await page.evaluate(() =>
        fetch('/demo/never-loaded.txt').then(
          () => 'fetched',
          () => 'failed',
        ),
      ),
    ).toBe('failed');
    await page.getByTestId('identity').filter({ hasText: /id_/ }).waitFor();
    await screen(page, 'My notes and photos');
    await noteItem(page, 'From another device').waitFor();
    expect(await noteItem(page, 'Written offline').textContent()).toContain('my offline edit');

    await screen(page, 'Post a Note');
    await page.getByLabel('Headline').fill('Written after an offline start');
    await main(page).getByRole('button', { name: 'Post', exact: true }).click();
    await expect.poll(() => page.getByTestId('posted').textContent()).toContain('on this device');
    await context.setOffline(false);
    await expect
      .poll(async () => (await notesOnServer()).filter((note) => note.headline === 'Written after an offline start').length)
      .toBe(1);
  });
});
