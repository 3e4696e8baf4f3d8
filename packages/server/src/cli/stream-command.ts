import { Command, Option } from 'commander';
import { Type } from 'typebox';
import { assertValid } from '../shared/validate.js';
import type { ConsumerStatus } from '../stream/status.js';
import { streamStatus } from '../stream/status.js';
import { print, withShoebox } from './with-shoebox.js';

const DEAD_LETTERS_SHOWN = 100;
const SeqFlag = Type.Integer({ minimum: 1 });

/** `shoebox stream …`: where each consumer stands, and re-driving what failed. Works on the data folder directly. */
export function streamCommand(): Command {
  const stream = new Command('stream').description('Inspect the change stream and re-drive dead letters');

  stream
    .command('status')
    .description("Each consumer's position, lag (changes and seconds), retries and dead letters")
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const statuses = await streamStatus(shoebox.database, shoebox.processor.laneNames);
        print(flags.json ? { consumers: statuses } : statusTable(statuses));
      }),
    );

  stream
    .command('dead-letters')
    .description(`List dead letters (the first ${DEAD_LETTERS_SHOWN}) with their last error`)
    .addOption(consumerOption())
    .option('--json', 'print JSON')
    .action((flags: { consumer?: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const letters = await shoebox.retries.deadLetters(flags.consumer, DEAD_LETTERS_SHOWN);
        if (flags.json) return print({ deadLetters: letters });
        print(
          letters.length === 0
            ? 'No dead letters.'
            : letters
                .map(
                  (l) =>
                    `${l.consumer}  seq ${l.seq}  ${l.entity} ${l.entityId}  ${l.attempts} attempts  ${l.deadAt.toISOString()}  ${l.lastError}`,
                )
                .join('\n'),
        );
      }),
    );

  stream
    .command('retry')
    .description('Re-drive dead letters: each gets a fresh set of attempts, delivered now if no server or worker is running')
    .addOption(consumerOption())
    .option('--seq <n>', 'only the dead letter at this stream position')
    .option('--json', 'print JSON')
    .action((flags: { consumer?: string; seq?: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        const seq = flags.seq === undefined ? undefined : assertValid(SeqFlag, flags.seq, '--seq');
        const redriven = await shoebox.retries.redrive({ consumer: flags.consumer, seq });
        // Deliver them here unless a running server or worker holds the consumers' leases.
        await shoebox.processor.drain();
        const after = await streamStatus(shoebox.database, shoebox.processor.laneNames);
        const stillFailing = after.filter((s) => flags.consumer === undefined || s.consumer === flags.consumer);
        const retrying = stillFailing.reduce((n, s) => n + s.retrying, 0);
        const dead = stillFailing.reduce((n, s) => n + s.deadLetters, 0);
        if (flags.json) return print({ redriven, retrying, deadLetters: dead });
        print(
          `Re-drove ${redriven} dead letter(s). ${retrying} change(s) wait for another attempt, ${dead} dead letter(s) remain.` +
            (retrying > 0 ? ' A running `shoebox serve` or `shoebox worker` keeps retrying them.' : ''),
        );
      }),
    );

  return stream;
}

const consumerOption = () => new Option('--consumer <name>', 'only this consumer (e.g. search)');

function statusTable(statuses: readonly ConsumerStatus[]): string {
  const header = ['consumer', 'position', 'head', 'lag', 'lag seconds', 'retrying', 'dead letters', 'running in'];
  const rows = [
    header,
    ...statuses.map((s) => [
      s.consumer,
      String(s.position),
      String(s.head),
      String(s.lagChanges),
      s.lagSeconds.toFixed(1),
      String(s.retrying),
      String(s.deadLetters),
      s.leaseHolder ?? '-',
    ]),
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
