import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { openShoebox } from '../runtime/shoebox.js';
import { engines } from '../testing/engines.js';
import { removeTestData, runCli, tempDir } from '../testing/harness.js';

const line = (value: unknown) => JSON.stringify(value);

describe.each(engines)('shoebox import ($name)', (engine) => {
  const dataDir = tempDir();
  let env: Record<string, string>;
  let identityId: string;
  /** The rows an import writes: notes and their change records, per owner. */
  const written = async (ownerId: string) => {
    const shoebox = await openShoebox(parseConfig({ ...env, SHOEBOX_LOG_LEVEL: 'silent' }));
    try {
      const { db } = shoebox.database;
      const notes = await db.selectFrom('notes').selectAll().where('owner_id', '=', ownerId).orderBy('headline').execute();
      const changes = await db
        .selectFrom('stream_changes')
        .select(['entity_id', 'op', 'version'])
        .where('owner_id', '=', ownerId)
        .execute();
      return { notes, changes };
    } finally {
      await shoebox.close();
    }
  };
  beforeAll(async () => {
    env = { SHOEBOX_DATA_DIR: dataDir, ...(await engine.prepare(dataDir)) };
    const shoebox = await openShoebox(parseConfig({ ...env, SHOEBOX_LOG_LEVEL: 'silent' }));
    await shoebox.identities.createGuest('127.0.0.1');
    identityId = (await shoebox.identities.list(1, undefined)).identities[0]!.id;
    await shoebox.close();
  });
  afterAll(() => removeTestData(dataDir, engine));

  it('imports every good line with its change, skips bad lines by number, and replays on a re-run', async () => {
    const file = join(dataDir, 'notes.jsonl');
    writeFileSync(
      file,
      [
        line({ headline: 'Imported one', text: 'first' }),
        '{"headline": "broken',
        line({ noteId: 'chosen-id', headline: 'Imported two', text: 'second', visibility: 'public' }),
        '',
        line({ headline: '', text: 'no headline' }),
        line({ headline: 'Unknown field', text: 'x', colour: 'red' }),
        line({ noteId: 'chosen-id', headline: 'Other content', text: 'same id' }),
        line({ headline: '  Imported three  ', text: 'third' }),
      ].join('\n'),
    );
    const first = await runCli(['import', file, '--identity', identityId, '--json'], { env });
    expect(first.code, first.stderr).toBe(1);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ imported: 3, replayed: 0 });
    expect(summary.skipped).toEqual([
      { line: 2, code: 'malformed_body', reason: expect.stringMatching(/^not JSON/) },
      { line: 5, code: 'validation_failed', reason: expect.stringMatching(/^note\.headline /) },
      { line: 6, code: 'validation_failed', reason: expect.stringMatching(/^note\.colour /) },
      { line: 7, code: 'note_id_taken', reason: expect.stringContaining('chosen-id') },
    ]);
    const after = await written(identityId);
    expect(after.notes.map((n) => [n.headline, n.text, n.visibility, Number(n.version)])).toEqual([
      ['Imported one', 'first', 'private', 1],
      ['Imported three', 'third', 'private', 1],
      ['Imported two', 'second', 'public', 1],
    ]);
    expect(after.notes.find((n) => n.headline === 'Imported two')?.note_id).toBe('chosen-id');
    expect(after.changes.map((c) => [c.op, Number(c.version)])).toEqual(Array(3).fill(['INSERT', 1]));
    expect(new Set(after.changes.map((c) => c.entity_id))).toEqual(new Set(after.notes.map((n) => n.note_id)));

    // Run again: nothing new is written, the same lines are skipped.
    const again = await runCli(['import', file, '--identity', identityId], { env });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/^Imported 0 note\(s\), replayed 3 already there, skipped 4 line\(s\) in [\d.]+ s/);
    expect(again.stdout).toContain('\n  line 2: not JSON');
    expect(await written(identityId)).toEqual(after);
  });

  it('reads standard input with -', async () => {
    const input = `${line({ headline: 'From stdin', text: 'piped' })}\n${line({ headline: 'Also stdin', text: 'piped' })}\n`;
    const result = await runCli(['import', '-', '--identity', identityId, '--json'], { env, input });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ imported: 2, replayed: 0, skipped: [] });
    const replay = await runCli(['import', '-', '--identity', identityId, '--json'], { env, input });
    expect(JSON.parse(replay.stdout)).toMatchObject({ imported: 0, replayed: 2, skipped: [] });
  });

  it('refuses an identity that does not exist, writing nothing', async () => {
    const before = await written('idn_missing');
    const result = await runCli(['import', '-', '--identity', 'idn_missing'], { env, input: line({ headline: 'x', text: 'y' }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No identity has the id "idn_missing". `shoebox identity list` shows identities');
    expect(result.stdout).toBe('');
    expect(await written('idn_missing')).toEqual(before);
  });

  it('says how to find an identity in --help', async () => {
    const help = await runCli(['import', '--help']);
    expect(help.stdout).toContain('--identity <id>');
    expect(help.stdout).toContain('shoebox identity list');
  });
});
