import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.js';
import { openShoebox, type Shoebox } from '../runtime/shoebox.js';
import { parseQuery } from '../search/query.js';
import { recordChange } from '../stream/outbox.js';
import { runCli, tempDir } from '../testing/harness.js';
import { seedIdentities } from '../testing/identity.js';

const dataDir = tempDir();
const env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_STREAM_MAX_ATTEMPTS: '1' };
const OWNER = 'idn_cli';

/** Opens the data folder in this process for setup and checks, closing it before the CLI runs. */
async function withData<T>(work: (shoebox: Shoebox) => Promise<T>): Promise<T> {
  const shoebox = await openShoebox(parseConfig(env));
  try {
    return await work(shoebox);
  } finally {
    await shoebox.close();
  }
}

/** Runs a command with --json; its log lines (failures being retried, for one) go to stderr, never into the answer. */
const cliJson = async (args: string[]) => {
  const result = await runCli(args, { env });
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

const found = (q: string) =>
  withData(async (shoebox) =>
    (await shoebox.searchIndex.search(parseQuery(q), { kind: 'owner', ownerId: OWNER }, { limit: 10 })).hits.map((h) => h.noteId),
  );

beforeAll(async () => {
  await withData(async (shoebox) => {
    await seedIdentities(shoebox, OWNER);
    for (const id of ['n1', 'n2', 'n3']) await shoebox.notes.put(OWNER, id, { headline: `healthy ${id}`, text: 'fine' });
    // A change the search indexer cannot read: it will fail every attempt.
    await shoebox.database.db.transaction().execute((trx) =>
      recordChange(trx, {
        entity: 'note',
        entityId: 'broken',
        ownerId: OWNER,
        op: 'INSERT',
        version: 1,
        oldImage: null,
        newImage: { headline: 42 },
      }),
    );
  });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('shoebox stream', () => {
  it('status shows position, lag and dead letters per consumer', async () => {
    const { consumers } = await cliJson(['stream', 'status', '--json']);
    expect(consumers).toEqual([
      expect.objectContaining({ consumer: 'search', position: 0, head: 4, lagChanges: 4, deadLetters: 0 }),
      expect.objectContaining({ consumer: 'photo-processor', position: 0, head: 4, deadLetters: 0 }),
      expect.objectContaining({ consumer: 'webhooks', position: 0, head: 4, deadLetters: 0 }),
      expect.objectContaining({ consumer: 'changes', position: 0, head: 4, deadLetters: 0 }),
    ]);
    expect(consumers[0].lagSeconds).toBeGreaterThanOrEqual(0);
    const text = await runCli(['stream', 'status'], { env });
    expect(text.stdout).toMatch(
      /^consumer\s+position\s+head\s+lag\s+lag seconds\s+retrying\s+dead letters\s+running in\nsearch\s+0\s+4\s+4\s/,
    );
  });

  it('retry delivers what it can; the poison change lands in the dead-letter table while the others flow', async () => {
    const retry = await runCli(['stream', 'retry', '--json'], { env });
    expect(JSON.parse(retry.stdout)).toEqual({ redriven: 0, retrying: 0, deadLetters: 1 });
    expect(retry.stderr).toContain('change moved to the dead-letter table');
    expect(await found('healthy')).toEqual(expect.arrayContaining(['n1', 'n2', 'n3']));
    const { consumers } = await cliJson(['stream', 'status', '--json']);
    expect(consumers[0]).toMatchObject({ position: 4, lagChanges: 0, deadLetters: 1 });
    const { deadLetters } = await cliJson(['stream', 'dead-letters', '--json']);
    expect(deadLetters).toEqual([expect.objectContaining({ consumer: 'search', seq: 4, entityId: 'broken', attempts: 1 })]);
    expect(deadLetters[0].lastError).toMatch(/^change 4 newImage\b/);
  });

  it('retry re-drives dead letters once their cause is fixed', async () => {
    // Stands in for fixing what made the change fail.
    await withData((shoebox) =>
      shoebox.database.db
        .updateTable('stream_changes')
        .set({ new_image: JSON.stringify({ headline: 'repaired', text: '', visibility: 'private', updatedAt: new Date().toISOString() }) })
        .where('seq', '=', 4)
        .execute(),
    );
    const result = await runCli(['stream', 'retry', '--consumer', 'search'], { env });
    expect(result.stdout).toBe('Re-drove 1 dead letter(s). 0 change(s) wait for another attempt, 0 dead letter(s) remain.\n');
    expect(await found('repaired')).toEqual(['broken']);
  });

  it.each([
    { args: ['stream', 'retry', '--seq', 'abc'], message: /--seq must be integer/ },
    { args: ['stream', 'nothing'], message: /unknown command/ },
  ])('refuses bad arguments: $args', async ({ args, message }) => {
    const result = await runCli(args, { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
