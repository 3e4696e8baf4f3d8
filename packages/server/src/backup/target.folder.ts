import { constants, mkdirSync } from 'node:fs';
import { copyFile, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type BackupTarget, isBackupName } from './target.js';

/** Backups kept as files in a local folder (another disk, a mounted share). */
export class FolderBackupTarget implements BackupTarget {
  private readonly folder: string;

  constructor(folder: string) {
    this.folder = resolve(folder);
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
  }

  describe(name: string): string {
    return join(this.folder, name);
  }

  async put(file: string, name: string): Promise<void> {
    const partial = join(this.folder, `.${name}.partial`);
    // Copied aside and renamed: a backup in the folder is always whole.
    await copyFile(file, partial);
    await rename(partial, join(this.folder, name));
  }

  async fetch(name: string, file: string): Promise<void> {
    await copyFile(join(this.folder, name), file, constants.COPYFILE_EXCL);
  }

  async list(): Promise<string[]> {
    return (await readdir(this.folder)).filter(isBackupName).sort();
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.folder, name), { force: true });
  }

  close(): void {}
}
