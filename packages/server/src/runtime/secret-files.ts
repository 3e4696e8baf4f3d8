import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secret files live in a folder only the owner can enter, each readable by the owner only. */
export function readSecretFile(dir: string, name: string): string | undefined {
  const file = join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function writeSecretFile(dir: string, name: string, value: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  // 'wx' refuses to overwrite: two processes starting at once cannot replace each other's secret.
  writeFileSync(join(dir, name), `${value}\n`, { mode: 0o600, flag: 'wx' });
}
