import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { backupToTarget, writeBackup } from '../backup/backup.js';
import { openBackupTarget } from '../backup/open-target.js';
import { backupName } from '../backup/target.js';
import { parseBackupPlace } from '../config/backup-place.js';
import { loadEnv } from '../config/config.js';
import { readConfig } from './config-command.js';
import { progressOnDemand } from './progress.js';

export const backupCommand = () =>
  new Command('backup')
    .description(
      'Write one consistent backup of the embedded deployment (database, photos, secrets and a manifest with checksums) ' +
        'while it keeps serving. With SHOEBOX_DATABASE_URL set, says how to back up PostgreSQL and the bucket instead',
    )
    .option('--to <place>', 'a file, an existing folder, or s3://bucket/prefix?region=… (default: a new file in the working directory)')
    .action(async (flags: { to?: string }) => {
      const config = readConfig();
      const { progress, stop } = progressOnDemand('backing up [{bar}] {percentage}% of {total} bytes');
      try {
        const to = flags.to ?? backupName(new Date());
        if (to.startsWith('s3://') || statSync(to, { throwIfNoEntry: false })?.isDirectory()) {
          const target = await openBackupTarget(parseBackupPlace(to, loadEnv()));
          try {
            const written = await backupToTarget(config, target, progress);
            stop();
            process.stdout.write(`Backed up ${written.files} files (${written.bytes} bytes) to ${target.describe(written.name)}\n`);
          } finally {
            target.close();
          }
        } else {
          const file = resolve(to);
          const written = await writeBackup(config, file, progress);
          stop();
          process.stdout.write(`Backed up ${written.files} files (${written.bytes} bytes) to ${file}\n`);
        }
      } finally {
        stop();
      }
    });
