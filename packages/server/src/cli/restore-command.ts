import { resolve } from 'node:path';
import { Command } from 'commander';
import { withLatestBackup } from '../backup/latest.js';
import { restoreBackup } from '../backup/restore.js';
import { readConfig } from './config-command.js';
import { progressOnDemand } from './progress.js';

export const restoreCommand = () =>
  new Command('restore')
    .description(
      'Restore a backup written by shoebox backup into the data folder (SHOEBOX_DATA_DIR), after checking every checksum. ' +
        'Refuses a data folder that is not empty unless --replace, and any folder a Shoebox process runs on',
    )
    .argument('[file]', 'the backup file')
    .option('--latest', 'restore the newest backup at SHOEBOX_BACKUP_URL (a folder or s3://…) instead of a file')
    .option('--replace', 'replace what the data folder holds')
    .action(async (file: string | undefined, flags: { latest?: boolean; replace?: boolean }) => {
      if ((file === undefined) === !flags.latest) throw new Error('Give either a backup file or --latest. Nothing was restored.');
      const config = readConfig();
      const { progress, stop } = progressOnDemand('checking [{bar}] {percentage}% of {total} bytes');
      const restore = (path: string) =>
        restoreBackup(config, path, { replace: flags.replace ?? false, onProgress: progress }).finally(stop);
      const { manifest, from } = file
        ? { manifest: await restore(resolve(file)), from: resolve(file) }
        : await withLatestBackup(config, async (path, name) => ({ manifest: await restore(path), from: name }));
      process.stdout.write(
        `Restored ${manifest.files.length} files from ${from} into ${config.dataDir}: the deployment as it was at ${manifest.createdAt} ` +
          `(written by Shoebox ${manifest.shoebox}). Start it with shoebox serve.\n`,
      );
    });
