import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { readConfig } from './config-command.js';
import type { Eraser, Finding } from './destroy/eraser.js';
import { openErasers } from './destroy/erasers.js';
import { progressBar } from './progress.js';

export const destroyCommand = () =>
  new Command('destroy')
    .description(
      'Remove everything Shoebox created, on every configured engine: the database (SQLite files or the PostgreSQL schema), ' +
        'photos (files or bucket objects), counters (file or Redis keys) and secrets (asks first)',
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (flags: { yes?: boolean }) => {
      const erasers = await openErasers(readConfig());
      try {
        await refuseWhileInUse(erasers);
        const surveyed = await Promise.all(erasers.map(async (eraser) => ({ eraser, findings: await eraser.survey() })));
        const work = surveyed.filter(({ findings }) => findings.length > 0);
        if (work.length === 0) {
          process.stdout.write(`Nothing to remove: no Shoebox data in ${erasers.map((eraser) => eraser.place).join(', ')}.\n`);
          return;
        }
        const findings = work.flatMap((found) => found.findings);
        process.stdout.write(`This permanently removes:\n${findings.map((finding) => `  ${finding.description}`).join('\n')}\n`);
        if (!flags.yes && !(await confirm())) {
          process.stdout.write('Nothing removed.\n');
          process.exitCode = 1;
          return;
        }
        // A process may have started while the question was asked.
        await refuseWhileInUse(erasers);
        for (const found of work) await eraseShowingProgress(found.eraser, found.findings);
        process.stdout.write(`Removed ${findings.length} item(s).\n`);
      } finally {
        await Promise.all(erasers.map((eraser) => eraser.close()));
      }
    });

/**
 * Removing a deployment under a running process would leave it answering, and acknowledging writes
 * that are then lost: every process using it must stop first.
 */
async function refuseWhileInUse(erasers: readonly Eraser[]): Promise<void> {
  const users = (await Promise.all(erasers.map((eraser) => eraser.inUse?.() ?? []))).flat();
  if (users.length === 0) return;
  throw new Error(
    `Refusing to destroy while Shoebox runs on this deployment:\n${users.map((user) => `  ${user}`).join('\n')}\n` +
      'Stop every shoebox serve and shoebox worker (and other shoebox commands) using it, then run shoebox destroy again. Nothing removed.',
  );
}

async function eraseShowingProgress(eraser: Eraser, findings: readonly Finding[]): Promise<void> {
  const surveyed = findings.reduce((sum, finding) => sum + finding.items, 0);
  const bar = progressBar(`removing from ${eraser.name} [{bar}] {value}/{total}`);
  bar.start(surveyed, 0);
  let done = 0;
  try {
    await eraser.erase((items) => {
      done += items;
      // What was written since the survey can take the count past it.
      bar.setTotal(Math.max(surveyed, done));
      bar.update(done);
    });
    bar.update(Math.max(surveyed, done));
  } finally {
    bar.stop();
  }
}

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
