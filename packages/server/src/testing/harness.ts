import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/config.js';
import { type RunningServer, startServer } from '../runtime/server.js';
import type { Clock } from '../shared/clock.js';
import { embedded, ROOMY_GUESTS, type TestEngine } from './engines.js';

export const BIN = resolve(fileURLToPath(import.meta.url), '../../../bin/shoebox.js');
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * A Redis key prefix of a suite's own: limits keyed by client address or email (all 127.0.0.1 and
 * the same few emails in tests) then start from zero in every run on a shared Redis.
 */
export const ownRedisPrefix = (suite: string) => ({ SHOEBOX_REDIS_PREFIX: `shoebox-${suite}-${randomUUID().slice(0, 8)}:` });

/**
 * What the API helpers (identity.ts, photos.ts) need of a server: its URL and fetch() with an API
 * key. A TestServer is one; apiClient() makes one for a server in another process.
 */
export interface ApiClient {
  readonly url: string;
  /** fetch() against the server with the API key (unless the request sets its own x-api-key). */
  v1(path: string, init?: RequestInit): Promise<Response>;
}

export interface TestServer extends ApiClient {
  readonly dataDir: string;
  readonly server: RunningServer;
  /** The first-start banner, empty on later starts. */
  readonly banner: string;
  /** Structured log lines written so far. */
  readonly logs: Record<string, unknown>[];
  /** The API key created on first start, or given in options. */
  readonly apiKey: string;
  /** fetch() against /admin with the admin token. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  readonly engine?: TestEngine;
  /** Reuse a data folder (for restart tests; remove it with removeTestData); a fresh temporary one otherwise. */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  /** Needed when reusing a data folder: the banner only shows the key on first start. */
  readonly apiKey?: string;
  /** The server's clock: a TestClock lets a test move past an expiry instead of sleeping. */
  readonly clock?: Clock;
}

export const tempDir = (prefix = 'shoebox-test-') => mkdtempSync(join(tmpdir(), prefix));

/** Starts a real server on a random loopback port, as `shoebox serve` would. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const engine = options.engine ?? embedded;
  const dataDir = options.dataDir ?? tempDir();
  const config = parseConfig({
    SHOEBOX_PORT: '0',
    SHOEBOX_DATA_DIR: dataDir,
    SHOEBOX_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    SHOEBOX_LOG_LEVEL: 'info',
    ...ROOMY_GUESTS,
    ...(await engine.prepare(dataDir)),
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  let banner = '';
  const server = await startServer(config, {
    clock: options.clock,
    out: sink((text) => (banner += text)),
    logStream: sink((text) =>
      logs.push(
        ...text
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ),
    ),
  });
  const apiKey = options.apiKey ?? /sbk_[A-Za-z0-9_-]{43}/.exec(banner)?.[0] ?? '';
  return {
    ...apiClient(server.url, apiKey),
    dataDir,
    server,
    logs,
    apiKey,
    get banner() {
      return banner;
    },
    admin: (path, init) => fetch(`${server.url}${path}`, withHeaders(init, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })),
    async stop() {
      await server.stop();
      if (!options.dataDir) await removeTestData(dataDir, engine);
    },
  };
}

/** An ApiClient for the server at `url` (e.g. one spawnServe started), calling with `apiKey`. */
export const apiClient = (url: string, apiKey: string): ApiClient => ({
  url,
  v1: (path, init) => fetch(`${url}${path}`, withHeaders(init, { 'x-api-key': apiKey })),
});

const withHeaders = (init: RequestInit | undefined, headers: Record<string, string>): RequestInit => ({
  ...init,
  headers: { ...headers, ...(init?.headers as Record<string, string> | undefined) },
});

/** Removes a data folder and whatever its engine kept elsewhere (a PostgreSQL database). */
export async function removeTestData(dataDir: string, engine: TestEngine = embedded): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  await engine.cleanup(dataDir);
}

const sink = (write: (text: string) => void) =>
  new Writable({
    write(chunk, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a spawned `shoebox`: `env` alone, plus what Node needs to run (no developer's SHOEBOX_* leaks in). */
export const childEnv = (env: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ...env,
});

/** Runs the real `shoebox` binary (this checkout's, unless `options.bin` names another). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string; bin?: string } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? tmpdir(),
      env: childEnv(options.env),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** JSON body of a response, typed loosely for assertions. */
export const json = async (response: Response): Promise<any> => response.json();
