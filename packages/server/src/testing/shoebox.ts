import { parseConfig } from '../config/config.js';
import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { embedded, type TestEngine } from './engines.js';
import { removeTestData, tempDir } from './harness.js';

export interface TestShoebox extends Shoebox {
  readonly dataDir: string;
  /** Closes it and removes its data (folder, and database for engines that keep one). */
  dispose(): Promise<void>;
}

/** The services of a Shoebox on a fresh data folder (and fresh database), for tests below HTTP. */
export async function openTestShoebox(engine: TestEngine = embedded, env: Record<string, string> = {}): Promise<TestShoebox> {
  const dataDir = tempDir();
  const config = parseConfig({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...(await engine.prepare(dataDir)), ...env });
  const shoebox = await openShoebox(config);
  return Object.assign(shoebox, {
    dataDir,
    async dispose() {
      await shoebox.close();
      await removeTestData(dataDir, engine);
    },
  });
}

/** Creates the deployment `env` configures, as a first `shoebox serve` would: CLI commands refuse to create one. */
export async function createDeployment(env: Record<string, string>): Promise<void> {
  const shoebox = await openShoebox(parseConfig({ SHOEBOX_LOG_LEVEL: 'silent', ...env }));
  await shoebox.close();
}

/**
 * Polls `check` until it returns a value other than undefined/false. Never asserts on time: the
 * test's own timeout is the limit.
 */
export async function eventually<T>(check: () => Promise<T | undefined | false>, pauseMs = 20): Promise<T> {
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/**
 * Reads `read` until `done` holds for its value or `timeoutMs` has passed, and answers the last
 * value either way: the test asserts on it, so a timeout fails showing what was last seen.
 */
export async function settle<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { readonly timeoutMs: number; readonly pauseMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 100));
  }
}
