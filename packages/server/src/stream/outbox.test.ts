import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { Outbox, recordChange } from './outbox.js';
import { ChangeSignal } from './signal.js';

let shoebox: TestShoebox;
const change = { entity: 'thing', entityId: 't1', ownerId: 'o1', op: 'INSERT' as const, version: 1, oldImage: null, newImage: { a: 1 } };
const count = async () => (await shoebox.database.db.selectFrom('stream_changes').selectAll().execute()).length;

describe.each(engines)('outbox ($name)', (engine) => {
  beforeEach(async () => {
    shoebox = await openTestShoebox(engine);
  });
  afterEach(() => shoebox.dispose());
  it('records a change with the write that commits, and rings the signal after the commit', async () => {
    const signal = new ChangeSignal();
    const outbox = new Outbox(shoebox.database, signal);
    await outbox.write((trx) => recordChange(trx, change));
    const rows = await shoebox.database.db.selectFrom('stream_changes').selectAll().execute();
    expect(rows).toEqual([
      expect.objectContaining({ seq: 1, entity: 'thing', entity_id: 't1', op: 'INSERT', new_image: '{"a":1}', old_image: null }),
    ]);
    // The ring was remembered: a wait returns at once.
    let woke = false;
    await Promise.race([signal.wait(60_000).then(() => (woke = true)), new Promise((resolve) => setImmediate(resolve))]);
    expect(woke).toBe(true);
  });

  it('leaves no change when the write rolls back', async () => {
    const outbox = new Outbox(shoebox.database, new ChangeSignal());
    await expect(
      outbox.write(async (trx) => {
        await recordChange(trx, change);
        throw new Error('the write failed after recording its change');
      }),
    ).rejects.toThrow('the write failed');
    expect(await count()).toBe(0);
  });

  it('writes at once each commit or roll back alone', async () => {
    const outbox = new Outbox(shoebox.database, new ChangeSignal());
    const thing = (entityId: string) => ({ ...change, entityId });
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'fails', 'c'].map((id) =>
        outbox.write(async (trx) => {
          await recordChange(trx, thing(id));
          if (id === 'fails') throw new Error('this write failed after recording its change');
          return id;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'a',
      'b',
      'this write failed after recording its change',
      'c',
    ]);
    // PostgreSQL commits concurrent writes in whatever order their transactions finish.
    const rows = await shoebox.database.db.selectFrom('stream_changes').select('entity_id').execute();
    expect(rows.map((row) => row.entity_id).sort()).toEqual(['a', 'b', 'c']);
  });
});
