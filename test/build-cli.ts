import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Vitest global setup: tests run the real `shoebox` binary, which runs the compiled dist/; compile
// the sources as they are now, so a run never tests a stale build.
export default function buildCli(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../packages/server/scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
}
