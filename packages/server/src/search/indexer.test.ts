import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, ChangeOp } from '../stream/change.js';
import { engines } from '../testing/engines.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { SearchIndexer } from './indexer.js';
import { parseQuery } from './query.js';

const OWNER = 'idn_owner';
let run = 0;

/** A note's history as changes: versions 1..n, each live version with its own marker word. */
function history(ops: ('edit' | 'remove')[], noteId: string, marker: (version: number) => string): Change[] {
  const changes: Change[] = [];
  let live = false;
  let version = 0;
  const push = (op: ChangeOp) => {
    version++;
    const image = {
      headline: `note ${marker(version)}`,
      text: `text of ${marker(version)}`,
      visibility: 'private',
      updatedAt: new Date().toISOString(),
    };
    changes.push({
      seq: version,
      entity: 'note',
      entityId: noteId,
      ownerId: OWNER,
      op,
      version,
      oldImage: null,
      newImage: op === 'REMOVE' ? null : image,
      createdAt: new Date(),
    });
  };
  push('INSERT');
  live = true;
  for (const op of ops) {
    if (!live) {
      push('INSERT');
      live = true;
    } else if (op === 'remove') {
      push('REMOVE');
      live = false;
    } else {
      push('MODIFY');
    }
  }
  return changes;
}

describe.each(engines)('search indexer ($name)', (engine) => {
  let shoebox: TestShoebox;
  let indexer: SearchIndexer;
  beforeAll(async () => {
    shoebox = await openTestShoebox(engine);
    indexer = new SearchIndexer(shoebox.searchIndex);
  });
  afterAll(() => shoebox.dispose());

  const found = async (word: string) =>
    (await shoebox.searchIndex.search(parseQuery(word), { kind: 'owner', ownerId: OWNER }, { limit: 10 })).hits.map((hit) => hit.noteId);

  it('ends at the newest version whatever the order and however often changes arrive', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('edit' as const, 'remove' as const), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.infiniteStream(fc.nat()),
        async (ops, duplicates, shuffle) => {
          run++;
          const noteId = `note-${run}`;
          const marker = (version: number) => `m${run}v${version}x`;
          const changes = history(ops, noteId, marker);
          // Every change at least once, some twice or more, in a random order.
          const delivered = [...changes, ...duplicates.map((i) => changes[i % changes.length]!)];
          const order = shuffle.take(delivered.length);
          const keyed = delivered.map((change, i) => ({ change, key: order.next().value as number, i }));
          keyed.sort((a, b) => a.key - b.key || a.i - b.i);
          for (const { change } of keyed) await indexer.handle(change);

          const last = changes.at(-1)!;
          for (const change of changes) {
            const expected = change === last && last.op !== 'REMOVE' ? [noteId] : [];
            expect(await found(marker(change.version))).toEqual(expected);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a change whose image is not a note, so the processor retries and dead-letters it', async () => {
    const bad: Change = {
      seq: 1,
      entity: 'note',
      entityId: 'broken',
      ownerId: OWNER,
      op: 'INSERT',
      version: 1,
      oldImage: null,
      newImage: { headline: 42 },
      createdAt: new Date(),
    };
    await expect(indexer.handle(bad)).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
