import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Drives `url` with autocannon from this process; the server under test runs in another. */
export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ connections: 50, duration: 5, ...options });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

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
 * Starts `shoebox serve` in its own process on a free port with a fresh data folder, logging at
 * info level to a discarded stream (logging is part of what is measured).
 */
export async function startShoebox(
  env: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-')),
): Promise<BenchServer> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const fullEnv = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_PORT: String(port), SHOEBOX_LOG_LEVEL: 'info', ...env };
  const child = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...fullEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
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
export const ratio = (value: number, baseline: number) => (baseline > 0 ? (value / baseline).toFixed(2) : 'n/a');
