import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { openBackupTarget } from './open-target.js';

/**
 * Runs `work` with a local copy of the newest backup at SHOEBOX_BACKUP_URL, removed afterwards
 * (it holds the deployment's secrets). Answers what `work` answers.
 */
export async function withLatestBackup<T>(config: Config, work: (file: string, name: string) => Promise<T>): Promise<T> {
  const { place } = config.backup;
  if (place === undefined)
    throw new Error('--latest restores the newest backup at SHOEBOX_BACKUP_URL, which is not set. Nothing was restored.');
  const target = await openBackupTarget(place);
  const folder = await mkdtemp(join(tmpdir(), 'shoebox-restore-'));
  try {
    const name = (await target.list()).at(-1);
    if (name === undefined) throw new Error(`There is no backup at ${target.describe('')}. Nothing was restored.`);
    const file = join(folder, name);
    await target.fetch(name, file);
    return await work(file, target.describe(name));
  } finally {
    target.close();
    await rm(folder, { recursive: true, force: true });
  }
}
