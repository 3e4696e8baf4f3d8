import { rmSync } from 'node:fs';
import { parseConfig } from '../config.js';
import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { tempDir } from './harness.js';

export interface TestShoebox extends Shoebox {
  readonly dataDir: string;
  /** Closes it and removes its data folder. */
  dispose(): Promise<void>;
}

/** The services of a Shoebox on a fresh data folder, for tests below HTTP. */
export async function openTestShoebox(env: Record<string, string> = {}): Promise<TestShoebox> {
  const dataDir = tempDir();
  const shoebox = await openShoebox(parseConfig({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'silent', ...env }));
  return Object.assign(shoebox, {
    dataDir,
    async dispose() {
      await shoebox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
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
