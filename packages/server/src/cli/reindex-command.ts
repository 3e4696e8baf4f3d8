import { Command } from 'commander';
import { reindex } from '../search/reindex.js';
import { progressBar } from './progress.js';
import { print, withShoebox } from './with-shoebox.js';

export const reindexCommand = () =>
  new Command('reindex')
    .description('Rebuild the search index from the notes table; search keeps answering meanwhile')
    .option('--json', 'print the result as JSON')
    .action((flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const started = Date.now();
        const bar = progressBar('reindex [{bar}] {percentage}% | {value}/{total} notes | {eta}s left');
        let barStarted = false;
        const result = await reindex(shoebox.searchIndex, shoebox.noteSource, ({ total, done }) => {
          if (!barStarted) {
            bar.start(total, done);
            barStarted = true;
          }
          bar.setTotal(total);
          bar.update(done);
        });
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        if (flags.json) return print({ ...result, seconds });
        print(
          `Reindexed ${result.done} note(s) in ${seconds.toFixed(1)} s; removed ${result.purged} entry(ies) of notes that no longer exist.`,
        );
      }),
    );
