import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';

export const BIN = resolve(import.meta.dirname, '../packages/server/bin/shoebox.js');

/** One line of a benchmark's result table. `ratio` compares with a baseline measured in the same run. */
export interface BenchRow {
  readonly metric: string;
  readonly value: string;
  readonly ratio?: string;
  readonly goal?: string;
}

export interface BenchScenario {
  /** Short id, used by `npm run bench -- --only <name>` and as the section key in docs/benchmarks.md. */
  readonly name: string;
  readonly title: string;
  /** What is measured and against what baseline, in a sentence or two (goes into the docs). */
  readonly description: string;
  run(): Promise<BenchRow[]>;
}

export const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * Drives `url` with autocannon from this process; the server under test runs in another. Given
 * several urls (processes serving the same data), autocannon spreads its connections over them.
 */
export async function load(options: Omit<autocannon.Options, 'url'> & { url: string | readonly string[] }): Promise<LoadResult> {
  // autocannon takes an array of urls at run time; its types know only one.
  const result = await autocannon({ connections: 50, duration: 5, ...options } as autocannon.Options);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** `result`, or an error naming `what` when any request failed: a rate measured on failures would flatter. */
export function checked(what: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${what}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** The better of two rounds of the same load (the first round may be undefined). */
export const best = (a: LoadResult | undefined, b: LoadResult): LoadResult => (a && a.requestsPerSecond >= b.requestsPerSecond ? a : b);

export interface BenchServer {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Runs the `shoebox` CLI once and returns its standard output; throws on a non-zero exit. */
export function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`shoebox ${args.join(' ')} exited ${code}`))));
  });
}

/**
 * Creates an API key whose plan never limits the load, through the CLI with the servers'
 * environment. The deployment must exist: only `serve` and `worker` create one, so start the
 * server first.
 */
export async function createBenchApiKey(env: Record<string, string>): Promise<{ id: string; key: string }> {
  const created = await cli(['keys', 'create', '--name', 'bench', '--rate', '1000000', '--burst', '1000000', '--json'], env);
  return JSON.parse(created) as { id: string; key: string };
}

/** The secret of a new bench API key (createBenchApiKey). */
export const createBenchKey = async (env: Record<string, string>): Promise<string> => (await createBenchApiKey(env)).key;

/**
 * Starts `shoebox serve` (or `args`, e.g. `serve --no-worker`) in its own process on a free port
 * with a fresh data folder, logging at info level to a discarded stream (logging is part of what
 * is measured).
 */
export async function startShoebox(
  env: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-')),
  args: readonly string[] = ['serve'],
): Promise<BenchServer> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawnShoebox(args, { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_PORT: String(port), ...env }, 'ignore');
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`);
  return {
    url,
    dataDir,
    process: child,
    async stop() {
      await stopProcess(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts `shoebox worker` (no HTTP) and resolves once it says it is processing the change stream. */
export async function startWorker(env: Record<string, string>, timeoutMs = 30_000): Promise<ChildProcess> {
  const child = spawnShoebox(['worker'], env, 'pipe');
  const started = new Promise<void>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`shoebox worker did not start within ${timeoutMs} ms`)), timeoutMs);
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk;
      if (!seen.includes('Shoebox worker is processing')) return;
      clearTimeout(timer);
      // Keep reading, discarding: a log nobody reads would fill the pipe and stall the worker.
      child.stdout?.off('data', onData).resume();
      resolvePromise();
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`shoebox worker exited ${code}`)));
  });
  await started.catch(async (error) => {
    await stopProcess(child);
    throw error;
  });
  return child;
}

function spawnShoebox(args: readonly string[], env: Record<string, string>, stdout: 'ignore' | 'pipe'): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, SHOEBOX_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
}

export async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.kill('SIGTERM');
  });
}

export const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** The p-th percentile (0–100) of `values`, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * One request with node:http over `agent` (cheaper than fetch for a load generator that shares the
 * machine with the server under test); answers the status once the response has been read.
 */
export function httpStatus(
  agent: Agent,
  url: URL,
  sent: { readonly method: string; readonly headers: Record<string, string | number>; readonly body?: string | Buffer },
): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const outgoing = request(url, { agent, method: sent.method, headers: sent.headers }, (response) => {
      response.resume();
      response.once('end', () => resolveStatus(response.statusCode ?? 0));
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    outgoing.end(sent.body);
  });
}

export const ratio = (value: number, baseline: number) => (baseline > 0 ? (value / baseline).toFixed(2) : 'n/a');
