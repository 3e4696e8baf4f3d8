import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Command } from 'commander';
import { Problem } from '../errors.js';
import { type BatchItem, newNoteChecker } from '../notes/batch.js';
import { noteSchemas } from '../notes/schemas.js';
import type { Shoebox } from '../runtime/shoebox.js';
import { progressBar } from './progress.js';
import { print, withShoebox } from './with-shoebox.js';

/**
 * Notes written per transaction: large enough that commits cost little per note, small enough
 * that a running server's own writes wait only a moment for the database between two of them.
 */
const NOTES_PER_TRANSACTION = 2000;
/** Skipped lines listed in the text summary; --json lists every one. */
const SKIPPED_SHOWN = 20;

interface Skipped {
  readonly line: number;
  readonly code: string;
  readonly reason: string;
}

interface Summary {
  imported: number;
  replayed: number;
  readonly skipped: Skipped[];
}

export const importCommand = () =>
  new Command('import')
    .description('Import notes for one identity from a JSON Lines file (one note per line, shaped like the body of POST /v1/notes)')
    .argument('<file>', 'the .jsonl file, or - to read standard input')
    .requiredOption(
      '--identity <id>',
      'the identity that will own the notes: `shoebox identity list` shows ids; an app finds its own in GET /v1/identities/me',
    )
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      '\nEach note is written with its change record, as POST /v1/notes writes it, so search indexes it once `shoebox serve`\n' +
        'or `shoebox worker` runs. Running the same file again is safe: a line without a noteId gets one derived from the\n' +
        "file's name, the line number and the line's text, and a note already there with the same content is counted as\n" +
        'replayed, not written again. Bad lines are skipped and listed with their line numbers; the exit code is then 1.',
    )
    .action((file: string, flags: { identity: string; json?: boolean }) =>
      withShoebox(async (shoebox) => {
        await assertImportable(shoebox, flags.identity);
        const started = Date.now();
        const summary = await importLines(shoebox, flags.identity, file);
        const seconds = (Date.now() - started) / 1000;
        if (summary.skipped.length > 0) process.exitCode = 1;
        if (flags.json) return print({ ...summary, seconds });
        print(describe(summary, seconds));
      }),
    );

async function assertImportable(shoebox: Shoebox, identityId: string): Promise<void> {
  const identity = await shoebox.identities.get(identityId).catch((error) => {
    if (error instanceof Problem && error.code === 'not_found') {
      throw new Problem(
        'not_found',
        `No identity has the id ${JSON.stringify(identityId)}. \`shoebox identity list\` shows identities; an app finds its own in GET /v1/identities/me.`,
      );
    }
    throw error;
  });
  if (identity.mergedInto) {
    throw new Problem('conflict', `Identity ${identityId} was merged into ${identity.mergedInto}: import into that one.`);
  }
}

async function importLines(shoebox: Shoebox, identityId: string, file: string): Promise<Summary> {
  const check = newNoteChecker(noteSchemas(shoebox.config.notes));
  const source = file === '-' ? 'stdin' : basename(file);
  const summary: Summary = { imported: 0, replayed: 0, skipped: [] };
  const bar = progressBar('import [{bar}] {percentage}% | {value}/{total} lines | {eta}s left');
  if (file !== '-') bar.start(await countLines(file), 0);
  let chunk: { line: number; item: BatchItem }[] = [];
  const flush = async () => {
    const outcomes = await shoebox.notes.createMany(
      identityId,
      chunk.map(({ item }) => item),
    );
    outcomes.forEach((outcome, i) => {
      if (outcome.outcome === 'failed') {
        summary.skipped.push({ line: chunk[i]?.line ?? 0, code: outcome.problem.code, reason: outcome.problem.detail });
      } else summary[outcome.outcome === 'created' ? 'imported' : 'replayed']++;
    });
    bar.increment(chunk.length);
    chunk = [];
  };
  let lineNumber = 0;
  for await (const text of createInterface({ input: open(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNumber++;
    if (text.trim() === '') {
      bar.increment();
      continue;
    }
    chunk.push({ line: lineNumber, item: noteOf(text, lineNumber, source, check) });
    if (chunk.length >= NOTES_PER_TRANSACTION) await flush();
  }
  if (chunk.length > 0) await flush();
  bar.stop();
  summary.skipped.sort((a, b) => a.line - b.line);
  return summary;
}

/** A line as a note to create, with its id derived when it has none; a line that is no note is a problem, skipped alone. */
function noteOf(text: string, line: number, source: string, check: (value: unknown, label: string) => BatchItem): BatchItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return new Problem('malformed_body', `not JSON: ${(error as Error).message}`);
  }
  // Reasons go out beside their line number: they name the note's fields, not the line again.
  const item = check(value, 'note');
  if (item instanceof Problem || item.noteId !== undefined) return item;
  return { ...item, noteId: derivedId(source, line, text) };
}

/** The same for the same line of a file of the same name, whatever the folder: what makes a re-run replay. */
const derivedId = (source: string, line: number, text: string) =>
  `imp-${createHash('sha256').update(`${source}\n${line}\n${text}`).digest('base64url').slice(0, 40)}`;

const open = (file: string): Readable => (file === '-' ? process.stdin : createReadStream(file));

async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
    last = chunk.at(-1) ?? last;
  }
  return last === 10 ? lines : lines + 1;
}

function describe(summary: Summary, seconds: number): string {
  const rate = Math.round(summary.imported / Math.max(seconds, 0.001));
  const lines = [
    `Imported ${summary.imported} note(s), replayed ${summary.replayed} already there, skipped ${summary.skipped.length} line(s) in ${seconds.toFixed(1)} s (${rate} notes/s).`,
  ];
  for (const skipped of summary.skipped.slice(0, SKIPPED_SHOWN)) lines.push(`  line ${skipped.line}: ${skipped.reason}`);
  if (summary.skipped.length > SKIPPED_SHOWN) lines.push(`  … and ${summary.skipped.length - SKIPPED_SHOWN} more (--json lists every one)`);
  return lines.join('\n');
}
