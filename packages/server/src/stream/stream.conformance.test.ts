import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../db/postgres.js';
import { engines } from '../testing/engines.js';
import { openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { recordChange } from './outbox.js';
import { ChangeSignal } from './signal.js';
import { changeChannel, PostgresChangeSignal } from './signal.postgres.js';

// The stream's engine-specific parts, one suite each, run over every engine: change claims
// (claims.sqlite.ts, claims.postgres.ts) and the doorbell (signal.ts, signal.postgres.ts).
describe.each(engines)('change claims ($name)', (engine) => {
  let shoebox: TestShoebox;
  beforeEach(async () => {
    shoebox = await openTestShoebox(engine);
  });
  afterEach(() => shoebox.dispose());

  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  const write = (id: string) =>
    shoebox.database.db
      .transaction()
      .execute((trx) =>
        recordChange(trx, { entity: 'thing', entityId: id, ownerId: 'owner', op: 'INSERT', version: 1, oldImage: null, newImage: { id } }),
      );
  const advance = (consumer: string, holder: string, through: number) =>
    shoebox.database.db.transaction().execute((trx) => shoebox.claims.advance(trx, consumer, holder, through));

  it('leases a consumer to one holder at a time, until the lease runs out or is released', async () => {
    const { claims } = shoebox;
    expect(await claims.lease('c', 'first', at(0), at(10))).toBe(true);
    expect(await claims.lease('c', 'second', at(5), at(15))).toBe(false);
    // The holder renews; another consumer is leased apart.
    expect(await claims.lease('c', 'first', at(5), at(15))).toBe(true);
    expect(await claims.lease('other', 'second', at(5), at(15))).toBe(true);
    expect(await claims.lease('c', 'second', at(16), at(26))).toBe(true);
    await claims.release('c', 'second');
    expect(await claims.lease('c', 'first', at(17), at(27))).toBe(true);
  });

  it('hands out changes after the checkpoint in seq order, a batch at a time, and moves on only for the holder', async () => {
    const { claims } = shoebox;
    expect(await claims.lease('c', 'holder', new Date(), new Date(Date.now() + 60_000))).toBe(true);
    expect(await claims.pending('c')).toBe(false);
    expect(await claims.next('c', 10)).toEqual([]);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await write(id);
    expect(await claims.pending('c')).toBe(true);

    const first = await claims.next('c', 3);
    expect(first.map((change) => change.entityId)).toEqual(['a', 'b', 'c']);
    expect(first.map((change) => change.seq)).toEqual([...first.map((change) => change.seq)].sort((x, y) => x - y));
    // Not moved yet: the same batch comes again.
    expect((await claims.next('c', 3)).map((change) => change.entityId)).toEqual(['a', 'b', 'c']);

    const through = first.at(-1)?.seq ?? 0;
    expect(await advance('c', 'someone else', through)).toBe(false);
    expect((await claims.next('c', 3)).map((change) => change.entityId)).toEqual(['a', 'b', 'c']);
    expect(await advance('c', 'holder', through)).toBe(true);
    expect((await claims.next('c', 3)).map((change) => change.entityId)).toEqual(['d', 'e']);
    expect(await advance('c', 'holder', (await claims.next('c', 3)).at(-1)?.seq ?? 0)).toBe(true);
    expect(await claims.next('c', 3)).toEqual([]);
    expect(await claims.pending('c')).toBe(false);
  });

  it('keeps one checkpoint per consumer: a new consumer starts at the beginning of the stream', async () => {
    const { claims } = shoebox;
    for (const id of ['a', 'b']) await write(id);
    const until = new Date(Date.now() + 60_000);
    expect(await claims.lease('early', 'holder', new Date(), until)).toBe(true);
    expect(await advance('early', 'holder', (await claims.next('early', 10)).at(-1)?.seq ?? 0)).toBe(true);
    expect(await claims.lease('late', 'holder', new Date(), until)).toBe(true);
    expect((await claims.next('late', 10)).map((change) => change.entityId)).toEqual(['a', 'b']);
    expect(await claims.next('early', 10)).toEqual([]);
  });
});

describe.each(engines)('the doorbell ($name)', (engine) => {
  let shoebox: TestShoebox;
  let signal: ChangeSignal;
  beforeEach(async () => {
    shoebox = await openTestShoebox(engine);
    signal =
      shoebox.database.engine === 'postgres'
        ? new PostgresChangeSignal(shoebox.database as PostgresDatabase, changeChannel(shoebox.config.databaseSchema))
        : new ChangeSignal();
  });
  afterEach(async () => {
    await signal.close();
    await shoebox.dispose();
  });

  /** Whether `wait` resolved because of a ring (true) or ran out (false); the wait is long enough that only a ring ends it in a test. */
  const woken = (waiter: string) =>
    Promise.race([
      signal.wait(60_000, waiter).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
    ]);

  it('wakes every waiter at a ring', async () => {
    const [search, photos] = [woken('search'), woken('photos')];
    signal.notify();
    expect(await Promise.all([search, photos])).toEqual([true, true]);
  });

  it('remembers a ring that came while a waiter was busy, once', async () => {
    await signal.wait(0, 'busy');
    signal.notify();
    signal.notify();
    await signal.wait(60_000, 'busy');
    // Both rings were heard by that one wait: the next one waits for a new ring.
    const next = woken('busy');
    signal.ring();
    expect(await next).toBe(true);
  });
});
