import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { eventually, openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import type { Change } from './change.js';
import type { ChangeClaims } from './claims.js';
import type { StreamConsumer } from './consumer.js';
import { recordChange } from './outbox.js';
import { StreamProcessor } from './processor.js';
import { RetryStore } from './retries.js';
import { ChangeSignal } from './signal.js';
import { streamStatus } from './status.js';

/** A consumer that records what it is handed and fails while `fail` says so. */
class Recorder implements StreamConsumer {
  readonly seen: Change[] = [];
  readonly attempts = new Map<number, number>();
  /** What it was told went to the dead-letter table: seq and reason. */
  readonly buried: { seq: number; reason: string }[] = [];
  fail: (change: Change) => boolean = () => false;
  pause: Promise<void> | undefined;

  constructor(
    readonly name = 'recorder',
    readonly entities: readonly string[] = ['thing'],
  ) {}

  async handle(change: Change): Promise<void> {
    this.attempts.set(change.seq, (this.attempts.get(change.seq) ?? 0) + 1);
    await this.pause;
    if (this.fail(change)) throw new Error(`cannot handle ${change.entityId} v${change.version}`);
    this.seen.push(change);
  }

  async deadLettered(change: Change, reason: string): Promise<void> {
    this.buried.push({ seq: change.seq, reason });
  }
}

const settings = { batchSize: 7, maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 4, pollMs: 20, leaseMs: 10_000, retentionHours: 0 };

const versionsOf = (changes: Change[], entityId: string) => changes.filter((c) => c.entityId === entityId).map((c) => c.version);

describe.each(engines)('stream processor ($name)', (engine) => {
  let shoebox: TestShoebox;
  beforeEach(async () => {
    shoebox = await openTestShoebox(engine);
  });
  afterEach(() => shoebox.dispose());

  function processor(consumers: StreamConsumer[], options: { maxAttempts?: number; leaseMs?: number; claims?: ChangeClaims } = {}) {
    return new StreamProcessor({
      database: shoebox.database,
      claims: options.claims ?? shoebox.claims,
      retries: new RetryStore(shoebox.database),
      consumers,
      settings: { ...settings, maxAttempts: options.maxAttempts ?? settings.maxAttempts },
      signal: new ChangeSignal(),
      leaseMs: options.leaseMs,
    });
  }

  /** Records one change per (entity id, version), each in its own committed transaction. */
  async function write(entries: [entityId: string, version: number, entity?: string][]): Promise<void> {
    for (const [entityId, version, entity = 'thing'] of entries) {
      await shoebox.database.db.transaction().execute((trx) =>
        recordChange(trx, {
          entity,
          entityId,
          ownerId: 'owner',
          op: version === 1 ? 'INSERT' : 'MODIFY',
          version,
          oldImage: null,
          newImage: { version },
        }),
      );
    }
  }

  it('delivers every change in order per entity across batches, skips other entities, and catches up', async () => {
    const entries: [string, number, string?][] = [];
    for (let version = 1; version <= 6; version++) for (const id of ['a', 'b', 'c']) entries.push([id, version]);
    entries.push(['p', 1, 'photo']);
    await write(entries);
    const recorder = new Recorder();
    await processor([recorder]).drain();

    for (const id of ['a', 'b', 'c']) expect(versionsOf(recorder.seen, id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(recorder.seen.some((c) => c.entity === 'photo')).toBe(false);
    const [status] = await streamStatus(shoebox.database, ['recorder']);
    expect(status).toMatchObject({ position: 19, head: 19, lagChanges: 0, lagSeconds: 0, retrying: 0, deadLetters: 0 });
  });

  it('isolates a poison change: others flow, later changes of its entity wait, it is dead-lettered, then re-driven', async () => {
    await write([
      ['bad', 1],
      ['good', 1],
      ['bad', 2],
      ['good', 2],
    ]);
    const recorder = new Recorder();
    recorder.fail = (change) => change.entityId === 'bad' && change.version === 1;
    const worker = processor([recorder]);
    await worker.runOnce();
    expect(versionsOf(recorder.seen, 'good')).toEqual([1, 2]);
    // bad v2 waits behind bad v1 instead of overtaking it.
    expect(versionsOf(recorder.seen, 'bad')).toEqual([]);
    expect((await streamStatus(shoebox.database, ['recorder']))[0]).toMatchObject({ position: 4, lagChanges: 0, retrying: 2 });

    const dead = await eventually(async () => {
      await worker.runOnce();
      const [status] = await streamStatus(shoebox.database, ['recorder']);
      return status?.deadLetters === 1 && status;
    });
    expect(dead).toMatchObject({ deadLetters: 1, lagChanges: 0 });
    expect(recorder.attempts.get(1)).toBe(settings.maxAttempts);
    await eventually(async () => {
      await worker.runOnce();
      return versionsOf(recorder.seen, 'bad').length === 1;
    });
    expect(versionsOf(recorder.seen, 'bad')).toEqual([2]);
    expect(worker.countersOf('recorder')).toMatchObject({ processed: 3, failed: 3, deadLettered: 1 });
    const [letter] = await new RetryStore(shoebox.database).deadLetters('recorder', 10);
    expect(letter).toMatchObject({ seq: 1, entityId: 'bad', attempts: 3, lastError: 'cannot handle bad v1' });
    // The consumer hears of it once, with the last error: it can tell the owner of the entity.
    expect(recorder.buried).toEqual([{ seq: 1, reason: 'cannot handle bad v1' }]);

    recorder.fail = () => false;
    expect(await new RetryStore(shoebox.database).redrive({ consumer: 'recorder' })).toBe(1);
    await worker.drain();
    expect(versionsOf(recorder.seen, 'bad')).toEqual([2, 1]);
    const [after] = await streamStatus(shoebox.database, ['recorder']);
    expect(after).toMatchObject({ retrying: 0, deadLetters: 0 });
  });

  it('delivers in batches when the consumer takes them, falling back to one by one around a poison change', async () => {
    const entries: [string, number][] = [];
    for (let version = 1; version <= 60; version++) for (const id of ['a', 'bad', 'c']) entries.push([id, version]);
    await write(entries);
    const recorder = new Recorder();
    recorder.fail = (change) => change.entityId === 'bad' && change.version === 2;
    const batches: number[] = [];
    const batching = Object.assign(recorder, {
      async handleBatch(changes: readonly Change[]) {
        if (changes.some(recorder.fail)) throw new Error('a change in this batch cannot be handled');
        batches.push(changes.length);
        for (const change of changes) recorder.seen.push(change);
      },
    });
    const worker = new StreamProcessor({
      database: shoebox.database,
      claims: shoebox.claims,
      retries: new RetryStore(shoebox.database),
      consumers: [batching],
      settings: { ...settings, batchSize: 500, retryBaseMs: 60_000, retryMaxMs: 60_000 },
      signal: new ChangeSignal(),
    });
    await worker.runOnce();
    expect(versionsOf(recorder.seen, 'a')).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(versionsOf(recorder.seen, 'c')).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // bad v2 failed; every later change of bad, in this chunk and the next ones, waits behind it.
    expect(versionsOf(recorder.seen, 'bad')).toEqual([1]);
    expect(batches.length).toBeGreaterThan(1);
    const [status] = await streamStatus(shoebox.database, ['recorder']);
    expect(status).toMatchObject({ position: 180, lagChanges: 0, retrying: 59 });
  });

  it("keeps batches within the consumer's batch limit", async () => {
    await write(Array.from({ length: 10 }, (_, i): [string, number] => [`n${i}`, 1]));
    const recorder = new Recorder();
    const batches: number[] = [];
    const limited = Object.assign(recorder, {
      batchLimit: 4,
      async handleBatch(changes: readonly Change[]) {
        batches.push(changes.length);
        for (const change of changes) recorder.seen.push(change);
      },
    });
    await processor([limited]).drain();
    expect(Math.max(...batches)).toBe(4);
    expect(batches.reduce((sum, n) => sum + n, 0)).toBe(10);
    expect(recorder.seen).toHaveLength(10);
  });

  it('dead-letters at once when one attempt is allowed', async () => {
    await write([['x', 1]]);
    const recorder = new Recorder();
    recorder.fail = () => true;
    await processor([recorder], { maxAttempts: 1 }).drain();
    const [status] = await streamStatus(shoebox.database, ['recorder']);
    expect(status).toMatchObject({ position: 1, retrying: 0, deadLetters: 1 });
    expect(recorder.buried).toEqual([{ seq: 1, reason: 'cannot handle x v1' }]);
  });

  it('keeps the dead letter and goes on when the consumer fails to take the news of it', async () => {
    await write([
      ['x', 1],
      ['y', 1],
    ]);
    const recorder = new Recorder();
    recorder.fail = (change) => change.entityId === 'x';
    recorder.deadLettered = async () => {
      throw new Error('cannot mark x');
    };
    await processor([recorder], { maxAttempts: 1 }).drain();
    expect(versionsOf(recorder.seen, 'y')).toEqual([1]);
    const [status] = await streamStatus(shoebox.database, ['recorder']);
    expect(status).toMatchObject({ position: 2, retrying: 0, deadLetters: 1 });
  });

  it('keeps each consumer on its own checkpoint', async () => {
    await write([
      ['a', 1],
      ['a', 2],
    ]);
    const failing = new Recorder('failing');
    failing.fail = () => true;
    const healthy = new Recorder('healthy');
    await processor([failing, healthy]).runOnce();
    expect(versionsOf(healthy.seen, 'a')).toEqual([1, 2]);
    const statuses = await streamStatus(shoebox.database, ['failing', 'healthy']);
    expect(statuses.map((s) => [s.consumer, s.retrying])).toEqual([
      ['failing', 2],
      ['healthy', 0],
    ]);
  });

  it('holds a lease only while working: with nothing to do it writes no lease, and a waiting processor picks up new work', async () => {
    await write([['a', 1]]);
    const recorder = new Recorder();
    const worker = processor([recorder], { leaseMs: 200 });
    await worker.drain();
    const leaseOf = () =>
      shoebox.database.db
        .selectFrom('stream_checkpoints')
        .select(['lease_holder', 'lease_until'])
        .where('consumer', '=', 'recorder')
        .executeTakeFirstOrThrow();
    const afterWork = await leaseOf();
    expect(afterWork.lease_holder).toBe(worker.holder);

    // Idle passes read only: the lease row stays as the last work left it, and lapses.
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await leaseOf()).toEqual(afterWork);
    expect((await streamStatus(shoebox.database, ['recorder']))[0]).toMatchObject({ leaseHolder: null, lagChanges: 0 });

    await write([['a', 2]]);
    await eventually(async () => recorder.seen.length === 2);
    expect(versionsOf(recorder.seen, 'a')).toEqual([1, 2]);
    await worker.stop();
  });

  it('lets one processor at a time work a consumer, and re-delivers what a vanished one left unfinished', async () => {
    await write([
      ['a', 1],
      ['a', 2],
    ]);
    const stuck = new Recorder();
    let release: () => void = () => {};
    stuck.pause = new Promise((resolve) => (release = resolve));
    // As after kill -9, its lease renewals stop reaching the database.
    let vanished = false;
    const claims: ChangeClaims = Object.assign(Object.create(shoebox.claims), {
      lease: (...args: Parameters<ChangeClaims['lease']>) => (vanished ? Promise.resolve(false) : shoebox.claims.lease(...args)),
    });
    const first = processor([stuck], { leaseMs: 200, claims });
    const abandoned = first.runOnce();
    await eventually(async () => stuck.attempts.size > 0);
    vanished = true;

    const other = new Recorder();
    const second = processor([other], { leaseMs: 200 });
    expect(await second.runOnce()).toBe(0);
    // The first processor never comes back (as after kill -9): once its lease runs out the second takes over from the checkpoint.
    await eventually(async () => (await second.runOnce()) > 0);
    await second.drain();
    expect(versionsOf(other.seen, 'a')).toEqual([1, 2]);

    release();
    await abandoned;
    const [status] = await streamStatus(shoebox.database, ['recorder']);
    expect(status).toMatchObject({ position: 2, retrying: 0 });
  });

  it('lets another processor take over from a pass that hangs while its process lives', async () => {
    await write([
      ['a', 1],
      ['a', 2],
    ]);
    const hung = new Recorder();
    let release: () => void = () => {};
    hung.pause = new Promise((resolve) => (release = resolve));
    const first = processor([hung], { leaseMs: 200 });
    const hanging = first.runOnce();
    await eventually(async () => hung.attempts.size > 0);

    const other = new Recorder();
    const second = processor([other], { leaseMs: 200 });
    // Nothing moves in the first pass for six leases: it stops renewing and the lease lapses.
    await eventually(async () => (await second.runOnce()) > 0);
    await second.drain();
    expect(versionsOf(other.seen, 'a')).toEqual([1, 2]);

    release();
    await hanging;
    expect((await streamStatus(shoebox.database, ['recorder']))[0]).toMatchObject({ position: 2, retrying: 0 });
  });

  it('keeps its lease through work that takes longer than the lease, so nobody redoes it meanwhile', async () => {
    await write([
      ['a', 1],
      ['b', 1],
    ]);
    const slow = new Recorder();
    slow.pause = new Promise((resolve) => setTimeout(resolve, 700));
    const first = processor([slow], { leaseMs: 200 });
    const working = first.runOnce();
    await eventually(async () => slow.attempts.size > 0);

    const other = new Recorder();
    const second = processor([other], { leaseMs: 200 });
    // Three and a half leases long, the first processor's pass holds the consumer throughout.
    while (slow.seen.length < 2) {
      expect(await second.runOnce()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await working).toBe(2);
    expect(other.seen).toEqual([]);
    expect([...slow.attempts.values()]).toEqual([1, 1]);
    expect((await streamStatus(shoebox.database, ['recorder']))[0]).toMatchObject({ position: 2, lagChanges: 0 });
  });

  it('prunes changes every consumer has passed, keeping those waiting for a retry or dead-lettered', async () => {
    await write([
      ['a', 1],
      ['bad', 1],
      ['b', 1],
      ['c', 1],
    ]);
    const recorder = new Recorder();
    recorder.fail = (change) => change.entityId === 'bad';
    const worker = processor([recorder], { maxAttempts: 1 });
    await worker.drain();
    expect(await worker.prune(new Date(Date.now() + 1000))).toBe(3);
    const left = await shoebox.database.db.selectFrom('stream_changes').select('entity_id').execute();
    expect(left.map((row) => row.entity_id)).toEqual(['bad']);
    // A consumer that has not started yet holds everything back.
    const late = processor([recorder, new Recorder('late')]);
    expect(await late.prune(new Date(Date.now() + 1000))).toBe(0);
  });

  it('wakes at a commit and delivers everything written by concurrent writers', async () => {
    const signal = new ChangeSignal();
    const recorder = new Recorder();
    const worker = new StreamProcessor({
      database: shoebox.database,
      claims: shoebox.claims,
      retries: new RetryStore(shoebox.database),
      consumers: [recorder],
      settings: { ...settings, pollMs: 600_000 },
      signal,
    });
    worker.start();
    const writers = Array.from({ length: 10 }, async (_, writer) => {
      for (let version = 1; version <= 20; version++) {
        await write([[`w${writer}`, version]]);
        signal.notify();
      }
    });
    await Promise.all(writers);
    await eventually(async () => recorder.seen.length >= 200);
    await worker.stop();
    for (let writer = 0; writer < 10; writer++)
      expect(versionsOf(recorder.seen, `w${writer}`)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(recorder.seen.map((c) => c.seq)).size).toBe(200);
  });

  it('works each consumer in its own loop: a slow consumer does not hold back another', async () => {
    const signal = new ChangeSignal();
    const slow = new Recorder('slow');
    let release: () => void = () => {};
    slow.pause = new Promise((resolve) => (release = resolve));
    const quick = new Recorder('quick');
    const worker = new StreamProcessor({
      database: shoebox.database,
      claims: shoebox.claims,
      retries: new RetryStore(shoebox.database),
      consumers: [slow, quick],
      settings: { ...settings, pollMs: 600_000 },
      signal,
    });
    worker.start();
    await write([['a', 1]]);
    signal.notify();
    await eventually(async () => slow.attempts.size > 0 && quick.seen.length === 1);
    // The slow consumer is still on its first change while the quick one hears of the next write.
    await write([['a', 2]]);
    signal.notify();
    await eventually(async () => quick.seen.length === 2);
    expect(slow.seen).toEqual([]);
    release();
    await eventually(async () => slow.seen.length === 2);
    await worker.stop();
    expect(versionsOf(quick.seen, 'a')).toEqual([1, 2]);
    expect(versionsOf(slow.seen, 'a')).toEqual([1, 2]);
  });
});
