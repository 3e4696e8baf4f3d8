import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

/**
 * Browser tests drive a real headless Chromium, the one installed on the machine: nothing is
 * downloaded. Without it they are skipped, and test/engines-notice.ts says what to install
 * (CI sets SHOEBOX_TEST_REQUIRE_BROWSER=1, which turns that skip into a failure).
 */
export const chromiumPath = process.env.SHOEBOX_TEST_CHROMIUM || '/usr/bin/chromium';
export const browserRequired = process.env.SHOEBOX_TEST_REQUIRE_BROWSER === '1';
export const browserAvailable = existsSync(chromiumPath);

/**
 * A host name the browser resolves to 127.0.0.1 without treating it as loopback: pages from
 * http://shoebox.test:<port> are "not secure", like a server reached over http on a LAN.
 */
export const LAN_HOST = 'shoebox.test';

// No background traffic (updates, sync, QUIC) and no GPU: a test sees only the requests its page makes.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
];

/** Launches Chromium with a fresh profile (Playwright makes a temporary user-data-dir). Close it in afterAll. */
export const launchBrowser = (): Promise<Browser> => chromium.launch({ executablePath: chromiumPath, args: ARGS, timeout: 30_000 });

export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors, uncaught page errors and failed requests seen so far: a healthy page has none. */
  troubles(): string[];
  close(): Promise<void>;
}

/** A page in a context of its own, recording everything that went wrong on it. */
export async function watchedPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const troubles: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') troubles.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => troubles.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    troubles.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) troubles.push(`response ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return { page, context, troubles: () => [...troubles], close: () => context.close() };
}

export interface WebApp {
  /** The app's origin: another port than Shoebox's, hence another origin. */
  readonly origin: string;
  stop(): Promise<void>;
}

/** A second loopback server standing for a web app on its own origin: it serves one empty page at `/`. */
export async function startWebApp(): Promise<WebApp> {
  const server = createServer((request, response) => {
    if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// An icon in the page itself, so the browser does not ask for /favicon.ico.
const PAGE = '<!doctype html><html><head><title>Web app</title><link rel="icon" href="data:,"></head><body></body></html>';

export interface PageRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Binary bodies cross into the page as base64. */
  readonly base64Body?: string;
}

/** What the page's script saw: the headers it may read (CORS hides the others), or the error fetch threw. */
export type PageResponse =
  | { readonly status: number; readonly headers: Record<string, string>; readonly body: string; readonly error?: undefined }
  | { readonly error: string };

/** The response, or a failed test saying why the page's fetch threw. */
export function answered(response: PageResponse): Exclude<PageResponse, { error: string }> {
  if (response.error !== undefined) throw new Error(`the page's fetch failed: ${response.error}`);
  return response;
}

/** Runs fetch() inside the page, as the page's own script would, with the page's origin. */
export function fetchFromPage(page: Page, url: string, request: PageRequest = {}): Promise<PageResponse> {
  return page.evaluate(
    async ({ url, request }) => {
      try {
        const { base64Body, ...init } = request;
        const body = base64Body === undefined ? init.body : Uint8Array.from(atob(base64Body), (char) => char.charCodeAt(0));
        const response = await fetch(url, { ...init, body });
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return { status: response.status, headers, body: await response.text() };
      } catch (error) {
        return { error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    },
    { url, request },
  );
}
