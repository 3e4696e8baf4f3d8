import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { scaleOut } from './engines.js';
import { BIN, childEnv } from './harness.js';

/**
 * Real `shoebox serve` and `shoebox worker` processes for tests that need several processes or a
 * kill -9. Each is killed when the test process exits, so a failed or timed-out test leaves none
 * behind; tests still stop theirs (in afterAll or finally) to free the ports and databases early.
 */

/**
 * Environment for processes sharing the scale-out engines of `dataDir`, with a short stream lease
 * and poll so a killed worker's consumers move to a survivor within a second or so.
 */
export const scaleOutProcessEnv = async (dataDir: string, adminToken: string): Promise<Record<string, string>> => ({
  SHOEBOX_DATA_DIR: dataDir,
  SHOEBOX_ADMIN_TOKEN: adminToken,
  SHOEBOX_LOG_LEVEL: 'info',
  SHOEBOX_STREAM_POLL_MS: '200',
  SHOEBOX_STREAM_LEASE_MS: '1000',
  ...(await scaleOut.prepare(dataDir)),
});

export interface ShoeboxProcess {
  readonly pid: number;
  /** Everything printed to stdout so far (banner and JSON log lines). */
  stdout(): string;
  stderr(): string;
  /**
   * Sends `signal` (SIGTERM by default; again only if it is SIGKILL) and resolves with the exit
   * code once the process has exited: null when a signal ended it. Safe to call when it has exited.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServeProcess extends ShoeboxProcess {
  readonly url: string;
}

export interface WorkerProcess extends ShoeboxProcess {
  /** The id its stream leases are held under, as it logs it on start. */
  readonly holder: string;
}

/** Processes not yet exited, killed if the test process exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** How long a process may take to say it is ready: bundling the CLI on a busy 2-core machine takes a while. */
const READY_TIMEOUT_MS = 60_000;

/**
 * Spawns the real `shoebox serve` (with `args`, e.g. --no-worker) on a random port and waits until
 * it listens. `bin`: another `shoebox` than this checkout's, e.g. one installed from the package.
 */
export async function spawnServe(env: Record<string, string>, args: string[] = [], bin = BIN): Promise<ServeProcess> {
  const { process: child, ready } = await spawnShoebox(
    ['serve', ...args],
    { SHOEBOX_PORT: '0', ...env },
    (stdout) => /"url":"(http:\/\/[^"]+)".*"msg":"Shoebox is listening"/.exec(stdout),
    bin,
  );
  return { ...child, url: ready };
}

/** Spawns the real `shoebox worker` and waits until it processes the stream. Needs SHOEBOX_LOG_LEVEL info or lower in `env`. */
export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const { process: child, ready } = await spawnShoebox(['worker'], env, (stdout) =>
    /"holder":"(proc_[^"]+)".*"msg":"Shoebox worker is processing the change stream"/.exec(stdout),
  );
  return { ...child, holder: ready };
}

/**
 * Spawns `shoebox <args>` and resolves once `readyLine` finds its ready line in stdout, with the
 * match's first group. If the process exits first or stays silent too long, it is killed and the
 * promise rejects with what it printed.
 */
async function spawnShoebox(
  args: string[],
  env: Record<string, string>,
  readyLine: (stdout: string) => RegExpExecArray | null,
  bin = BIN,
): Promise<{ process: ShoeboxProcess; ready: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: tmpdir(), env: childEnv(env) });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolveExit) =>
    child.on('exit', (code) => {
      running.delete(child);
      resolveExit(code);
    }),
  );
  const handle: ShoeboxProcess = {
    pid: child.pid ?? 0,
    stdout: () => stdout,
    stderr: () => stderr,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && (signal === 'SIGKILL' || !signalled)) child.kill(signal);
      signalled = true;
      return exited;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await new Promise<string>((resolveReady, reject) => {
      child.stdout.on('data', () => {
        const match = readyLine(stdout);
        if (match?.[1]) resolveReady(match[1]);
      });
      exited.then((code) => reject(new Error(`shoebox ${args.join(' ')} exited with ${code} before it was ready: ${stderr}`)));
      timer = setTimeout(
        () => reject(new Error(`shoebox ${args.join(' ')} was not ready within ${READY_TIMEOUT_MS} ms: ${stdout}${stderr}`)),
        READY_TIMEOUT_MS,
      );
    });
    return { process: handle, ready };
  } catch (error) {
    await handle.stop('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
