import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secret files live in a folder only the owner can enter, each readable by the owner only. */
export function readSecretFile(dir: string, name: string): string | undefined {
  const file = join(dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function writeSecretFile(dir: string, name: string, value: string): void {
  ownerOnlyFolder(dir);
  // 'wx' refuses to overwrite: two processes starting at once cannot replace each other's secret.
  writeFileSync(join(dir, name), `${value}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * The secret stored as `name`, storing `value` when there is none. Processes starting at once race
 * to write it: the first write wins and every one of them reads the winner's. `created` says
 * whether this call's value was stored.
 */
export function readOrCreateSecretFile(dir: string, name: string, value: string): { value: string; created: boolean } {
  const stored = readSecretFile(dir, name);
  if (stored) return { value: stored, created: false };
  try {
    writeSecretFile(dir, name, value);
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: readSecretFile(dir, name) ?? '', created: false };
  }
}

/** Adds `text` to the end of secret file `name`, creating it readable by the owner only. */
export function appendSecretFile(dir: string, name: string, text: string): string {
  ownerOnlyFolder(dir);
  const file = join(dir, name);
  appendFileSync(file, text, { mode: 0o600 });
  return file;
}

function ownerOnlyFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
