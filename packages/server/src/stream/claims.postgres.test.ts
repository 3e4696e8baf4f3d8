import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../db/postgres.js';
import { scaleOut } from '../testing/engines.js';
import { eventually, openTestShoebox, type TestShoebox } from '../testing/shoebox.js';
import { RecordingConsumer as Recorder, writeOverlapping } from '../testing/stream.js';
import { recordChange } from './outbox.js';
import { StreamProcessor } from './processor.js';
import { RetryStore } from './retries.js';
import { ChangeSignal } from './signal.js';
import { streamStatus } from './status.js';

// Invariant 5 (DESIGN.md): in PostgreSQL a seq can commit after a larger one. These tests hold
// writers' transactions open on connections of their own while later writers commit.
const hasPostgres = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL);

const settings = { batchSize: 50, maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 4, pollMs: 20, leaseMs: 10_000, retentionHours: 0 };

describe.skipIf(!hasPostgres)('PostgreSQL change claims (concurrent writers)', () => {
  let shoebox: TestShoebox;
  let recorder: Recorder;
  let worker: StreamProcessor;
  const held: pg.Client[] = [];

  beforeEach(async () => {
    shoebox = await openTestShoebox(scaleOut);
    recorder = new Recorder();
    worker = new StreamProcessor({
      database: shoebox.database,
      claims: shoebox.claims,
      retries: new RetryStore(shoebox.database),
      consumers: [recorder],
      settings,
      signal: new ChangeSignal(),
    });
  });
  afterEach(async () => {
    for (const client of held.splice(0)) await client.end().catch(() => {});
    await shoebox.dispose();
  });

  /** Commits one change of entity `id` through the pool. */
  const commit = (id: string, version = 1) => shoebox.database.db.transaction().execute((trx) => recordChange(trx, change(id, version)));
  const change = (id: string, version: number) => ({
    entity: 'thing',
    entityId: id,
    ownerId: 'owner',
    op: 'INSERT' as const,
    version,
    oldImage: null,
    newImage: { version },
  });
  /** Opens a transaction on a connection of its own that records a change (taking a seq) and stays open. */
  async function hold(id: string): Promise<pg.Client> {
    const client = (shoebox.database as PostgresDatabase).newClient();
    held.push(client);
    await client.connect();
    await client.query('begin');
    await client.query(
      `insert into stream_changes (entity, entity_id, owner_id, op, version, old_image, new_image, created_at)
       values ('thing', $1, 'owner', 'INSERT', 1, null, '{"version":1}', $2)`,
      [id, Date.now()],
    );
    return client;
  }
  /** Opens a transaction that writes something else (so it has a transaction id) and stays open. */
  async function busy(): Promise<pg.Client> {
    const client = (shoebox.database as PostgresDatabase).newClient();
    held.push(client);
    await client.connect();
    await client.query('begin');
    await client.query('select pg_current_xact_id()');
    return client;
  }
  const delivered = () => recorder.seen.map((c) => c.entityId);
  const position = async () => (await streamStatus(shoebox.database, ['recorder']))[0]?.position;

  it('does not pass a seq whose transaction is still open, and delivers it in order once it commits', async () => {
    const early = await hold('early');
    await commit('late');
    await worker.drain();
    expect(delivered()).toEqual([]);
    expect(await position()).toBe(0);

    await early.query('commit');
    await worker.drain();
    expect(delivered()).toEqual(['early', 'late']);
    expect(await position()).toBe(2);
  });

  it('steps over the seq of a transaction that rolled back', async () => {
    const doomed = await hold('doomed');
    await commit('kept');
    await doomed.query('rollback');
    // The gap is provably empty once no transaction older than it runs anywhere in the cluster:
    // suites running beside this one may hold such transactions for a moment.
    await eventually(async () => {
      await worker.drain();
      return delivered().length > 0;
    });
    expect(delivered()).toEqual(['kept']);
    expect(await position()).toBe(2);
  });

  it('waits for a seq whose transaction took its id after the visible seq’s did (an id a snapshot’s xmax leaves out)', async () => {
    const claims = shoebox.claims;
    await claims.lease('recorder', 'reader', new Date(), new Date(Date.now() + 60_000));
    // `later` takes its transaction id first, `early` after it; then `early` takes the smaller seq
    // and `later` commits the larger one. No transaction newer than `early` has ended, so
    // `early`'s id is at or above the next snapshot's xmax, and that snapshot leaves it out of its xmin.
    const later = await busy();
    const early = await busy();
    const insert = (client: pg.Client, id: string) =>
      client.query(
        `insert into stream_changes (entity, entity_id, owner_id, op, version, old_image, new_image, created_at)
         values ('thing', $1, 'owner', 'INSERT', 1, null, '{"version":1}', $2)`,
        [id, Date.now()],
      );
    await insert(early, 'early');
    await insert(later, 'late');
    await later.query('commit');
    for (let i = 0; i < 3; i++) expect((await claims.next('recorder', 10)).map((c) => c.entityId)).toEqual([]);

    await early.query('commit');
    expect((await claims.next('recorder', 10)).map((c) => c.entityId)).toEqual(['early', 'late']);
  });

  it('keeps a rolled-back gap closed while transactions that ran beside it are open, then steps over it', async () => {
    const other = await busy();
    const doomed = await hold('doomed');
    await commit('kept');
    await doomed.query('rollback');
    await worker.drain();
    // The gap's transaction has ended, but one that began before the read still runs: no proof yet.
    expect(delivered()).toEqual([]);

    await other.query('commit');
    await eventually(async () => {
      await worker.drain();
      return delivered().length > 0;
    });
    expect(delivered()).toEqual(['kept']);
  });

  it('delivers every committed change exactly where it belongs while writers overlap, roll back and commit out of order', async () => {
    worker.start();
    const committed = await writeOverlapping(shoebox.database, {
      writers: 8,
      steps: 25,
      holdMs: (w, step) => (w * 7 + step * 13) % 23,
      change: (w, version) => change(`w${w}`, version),
    });
    const total = committed.flat().length;
    await eventually(async () => recorder.seen.length >= total);
    await worker.stop();

    expect(recorder.seen).toHaveLength(total);
    committed.forEach((versions, w) => {
      expect(recorder.seen.filter((c) => c.entityId === `w${w}`).map((c) => c.version)).toEqual(versions);
    });
    const seqs = recorder.seen.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
