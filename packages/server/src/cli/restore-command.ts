import { resolve } from 'node:path';
import { Command } from 'commander';
import { restoreBackup } from '../backup/restore.js';
import { readConfig } from './config-command.js';
import { progressOnDemand } from './progress.js';

export const restoreCommand = () =>
  new Command('restore')
    .description(
      'Restore a backup written by shoebox backup into the data folder (SHOEBOX_DATA_DIR), after checking every checksum. ' +
        'Refuses a data folder that is not empty unless --replace, and any folder a Shoebox process runs on',
    )
    .argument('<file>', 'the backup file')
    .option('--replace', 'replace what the data folder holds')
    .action(async (file: string, flags: { replace?: boolean }) => {
      const config = readConfig();
      const { progress, stop } = progressOnDemand('checking [{bar}] {percentage}% of {total} bytes');
      const manifest = await restoreBackup(config, resolve(file), { replace: flags.replace ?? false, onProgress: progress }).finally(stop);
      process.stdout.write(
        `Restored ${manifest.files.length} files into ${config.dataDir}: the deployment as it was at ${manifest.createdAt} ` +
          `(written by Shoebox ${manifest.shoebox}). Start it with shoebox serve.\n`,
      );
    });
