import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { eventually, openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { RecordingConsumer as Recorder, writeOverlapping } from '../testing/stream.js';
import type { Change } from './change.js';
import { partitionName, partitionOf } from './partitions.js';
import { StreamProcessor } from './processor.js';
import { RetryStore } from './retries.js';
import { ChangeSignal } from './signal.js';
import { streamStatus } from './status.js';

const PARTITIONS = 3;
const settings = { batchSize: 20, maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 4, pollMs: 20, leaseMs: 10_000, retentionHours: 0 };
const lanes = Array.from({ length: PARTITIONS }, (_, p) => partitionName('recorder', p, PARTITIONS));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Two processors on one partitioned consumer, under writers whose transactions overlap, commit
// out of seq order (on PostgreSQL) and sometimes roll back.
describe.each(engines)('partitioned stream consumer ($name)', (engine) => {
  let shoebox: TestShoebox;
  const running: StreamProcessor[] = [];
  beforeEach(async () => {
    shoebox = await openTestShoebox(engine);
  });
  afterEach(async () => {
    for (const processor of running.splice(0)) await processor.stop();
    await shoebox.dispose();
  });

  /** A processor with its own recorder, started; a lease short enough that membership changes show quickly, long enough that a loaded machine keeps it. */
  function start(): Recorder {
    const recorder = new Recorder();
    const processor = new StreamProcessor({
      database: shoebox.database,
      claims: shoebox.claims,
      retries: new RetryStore(shoebox.database),
      consumers: [recorder],
      settings: { ...settings, partitions: PARTITIONS },
      signal: new ChangeSignal(),
      leaseMs: 3_000,
    });
    processor.start();
    running.push(processor);
    return recorder;
  }

  /** Writers of 12 notes (4 owners, the same ids under each), each holding its seq a while; answers the versions committed per note. */
  async function writeConcurrently(steps: number): Promise<Map<string, number[]>> {
    const noteOf = (w: number) => ({ ownerId: `owner${w % 4}`, entityId: `note${w % 3}` });
    const committed = await writeOverlapping(shoebox.database, {
      writers: 12,
      steps,
      holdMs: (w, step) => (w * 7 + step * 13) % 11,
      change: (w, version) => ({ entity: 'thing', ...noteOf(w), op: 'MODIFY', version, oldImage: null, newImage: {} }),
    });
    return new Map(committed.map((versions, w) => [keyOf(noteOf(w)), versions]));
  }

  const keyOf = (note: Pick<Change, 'ownerId' | 'entityId'>) => `${note.ownerId}/${note.entityId}`;
  const total = (committed: Map<string, number[]>) => [...committed.values()].reduce((n, versions) => n + versions.length, 0);

  it('shares the partitions between two processors, which deliver every change once and in order per note', async () => {
    const first = start();
    const second = start();
    // Both are members, and each has renewed (so reread the members) since both were, before any
    // work comes: an idle processor holds no lease, membership is what shares the work, and a
    // view still of one member would take every partition and hand half over moments later.
    const renewals = () => shoebox.database.db.selectFrom('stream_members').select(['holder', 'until']).execute();
    let bothAt = 0;
    await eventually(async () => {
      const members = await renewals();
      bothAt = Math.max(...members.map((member) => Number(member.until)));
      return new Set(members.map((member) => member.holder)).size === 2;
    });
    await eventually(async () => (await renewals()).every((member) => Number(member.until) > bothAt));

    const committed = await writeConcurrently(15);
    await eventually(async () => first.seen.length + second.seen.length >= total(committed));
    await sleep(100);

    const seen = [...first.seen, ...second.seen];
    expect(seen).toHaveLength(total(committed));
    expect(first.seen.length).toBeGreaterThan(0);
    expect(second.seen.length).toBeGreaterThan(0);
    for (const [key, versions] of committed) {
      // One processor worked each note (no hand-over happened), in order.
      const mine = [first, second].filter((r) => r.seen.some((change) => keyOf(change) === key));
      expect(mine).toHaveLength(1);
      expect(mine[0]?.seen.filter((change) => keyOf(change) === key).map((change) => change.version)).toEqual(versions);
    }
    // A note's changes all belong to one partition, decided by owner and id.
    for (const recorder of [first, second]) {
      const partitions = new Set(recorder.seen.map((change) => partitionOf(change, PARTITIONS)));
      expect(partitions.size).toBeLessThan(PARTITIONS);
    }
  });

  it('hands a stopped processor’s partitions to the one left, which skips nothing', async () => {
    const first = start();
    const second = start();
    const before = await writeConcurrently(6);
    await eventually(async () => first.seen.length + second.seen.length >= total(before));

    const stopped = running.shift();
    await stopped?.stop();
    const after = await writeConcurrently(6);
    await eventually(async () => {
      const statuses = await streamStatus(shoebox.database, lanes);
      return statuses.every((status) => status.lagChanges === 0) && second.seen.length + first.seen.length >= total(before) + total(after);
    });

    const seen = [...first.seen, ...second.seen];
    for (const [key, versions] of before) {
      const late = after.get(key) ?? [];
      const delivered = seen.filter((change) => keyOf(change) === key).map((change) => change.version);
      // Versions written after the first batch went on counting from 1 again: compare each run.
      expect(delivered).toEqual([...versions, ...late]);
    }
    expect(new Set((await streamStatus(shoebox.database, lanes)).map((status) => status.leaseHolder)).size).toBe(1);
  });
});
