import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { dataLayout, sqliteFiles } from '../runtime/layout.js';
import { readConfig } from './config-command.js';

export const destroyCommand = () =>
  new Command('destroy')
    .description('Remove everything Shoebox created: database, quota counters, secrets, photos (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (flags: { yes?: boolean }) => {
      const layout = dataLayout(readConfig().dataDir);
      const targets = [...sqliteFiles(layout.databaseFile), ...sqliteFiles(layout.quotaFile), layout.secretsDir, layout.blobsDir].filter(
        (path) => existsSync(path),
      );
      if (targets.length === 0) {
        process.stdout.write(`Nothing to remove: no Shoebox data in ${layout.root}.\n`);
        return;
      }
      process.stdout.write(`This permanently removes:\n${targets.map((path) => `  ${path}`).join('\n')}\n`);
      if (!flags.yes && !(await confirm())) {
        process.stdout.write('Nothing removed.\n');
        process.exitCode = 1;
        return;
      }
      for (const path of targets) rmSync(path, { recursive: true, force: true });
      const leftEmpty = existsSync(layout.root) && readdirSync(layout.root).length === 0;
      if (leftEmpty) rmdirSync(layout.root);
      process.stdout.write(`Removed ${targets.length} item(s)${leftEmpty ? ` and the empty folder ${layout.root}` : ''}.\n`);
    });

async function confirm(): Promise<boolean> {
  if (!process.stdin.isTTY) {
    process.stderr.write('Refusing to destroy without confirmation: run in a terminal or pass --yes.\n');
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question('Type "destroy" to confirm: ');
  prompt.close();
  return answer.trim() === 'destroy';
}
