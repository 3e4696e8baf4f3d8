import type { Kysely } from 'kysely';
import type { StreamSettings } from '../config/config.js';
import type { Database, Tables } from '../db/database.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newId } from '../shared/secrets.js';
import type { Change } from './change.js';
import type { ChangeClaims } from './claims.js';
import type { StreamConsumer } from './consumer.js';
import { ConsumerCalls, type ConsumerCounters, type StreamLog } from './consumer-calls.js';
import { type KeptLease, keepLease } from './lease-keeper.js';
import { type Lane, lanesOf } from './partitions.js';
import { backoffMs, entityKey, type Parked, type RetryStore } from './retries.js';
import type { ChangeSignal } from './signal.js';
import { pruneStream } from './status.js';

export interface ProcessorDeps {
  readonly database: Database;
  readonly claims: ChangeClaims;
  readonly retries: RetryStore;
  readonly consumers: readonly StreamConsumer[];
  readonly settings: StreamSettings;
  /** Rung by writers of this process after each commit; `shoebox worker` has nobody ringing and polls. */
  readonly signal: ChangeSignal;
  /** Hears failures and dead letters; silent when not given. */
  readonly log?: StreamLog;
  /** Overrides settings.leaseMs (tests). */
  readonly leaseMs?: number;
  readonly random?: () => number;
  /** When leases end and retries are due. (Changes carry the system's time, which their retention is judged by.) */
  readonly clock?: Clock;
}

const PRUNE_EVERY_MS = 60_000;

class LeaseLost extends Error {}

/**
 * Changes handed to a consumer between two chances for HTTP requests to run: a batch-capable
 * consumer (the search index) holds the database for the whole chunk.
 */
const DELIVERY_CHUNK = 64;
/**
 * A pass that handles nothing for this many leases is taken as hung: its lease is left to lapse so
 * another process can go on. Generous, so that one slow change (a large photo on a loaded machine)
 * is not mistaken for a hang; at worst a slow change is handled twice, which consumers tolerate.
 */
const STALL_LEASES = 6;

const yieldToRequests = () => new Promise((resolve) => setImmediate(resolve));

/** What a pass decided about the changes it could not apply. */
interface Outcome {
  /** Entities with a change waiting: their later changes wait too. */
  readonly waiting: Set<string>;
  readonly parked: Parked[];
  readonly buried: { change: Change; error: string }[];
}

/**
 * Delivers the change stream to its consumers: at least once, in order per entity, in batches,
 * with one checkpoint per consumer. A failing change is parked for retry with exponential backoff
 * and jitter while the rest of the stream keeps flowing (later changes of the same entity wait
 * behind it), and goes to the dead-letter table after `maxAttempts`. A crash at any point only
 * means that some changes are delivered again.
 */
export class StreamProcessor {
  /** Identifies this processor's leases. */
  readonly holder = newId('proc');
  private readonly leaseMs: number;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly log: StreamLog;
  private readonly calls: ConsumerCalls;
  private readonly lanes: readonly Lane[];
  /** Lanes whose lease this processor took and has not given up. */
  private readonly held = new Set<string>();
  /** When each lane's lease was last renewed by this processor (clock time). */
  private readonly renewedAt = new Map<string, number>();
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Whether this processor ever took a lease, so closing gives them back. */
  private leased = false;

  constructor(private readonly deps: ProcessorDeps) {
    this.leaseMs = deps.leaseMs ?? deps.settings.leaseMs;
    this.random = deps.random ?? Math.random;
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log ?? { warn() {}, error() {} };
    this.calls = new ConsumerCalls(this.log);
    const { database, settings } = deps;
    this.lanes = lanesOf(deps.consumers, {
      database,
      partitions: settings.partitions ?? 1,
      holder: this.holder,
      leaseMs: this.leaseMs,
      clock: this.clock,
    });
  }

  get consumerNames(): string[] {
    return this.deps.consumers.map((consumer) => consumer.name);
  }

  /** What each checkpoint is named: the consumers' names, or their partitions' (partitions.ts). */
  get laneNames(): string[] {
    return this.lanes.map((lane) => lane.name);
  }

  /** What this process has done for a consumer since it started (for /metrics). */
  countersOf(consumer: string): ConsumerCounters {
    return this.calls.countersOf(consumer);
  }

  /** One pass over every consumer: due retries, then one batch of new changes. Returns how much it moved. */
  async runOnce(): Promise<number> {
    let moved = 0;
    for (const lane of this.lanes) moved += await this.pass(lane);
    return moved;
  }

  /** Passes until there is nothing to do now (retries that are not due yet stay parked). */
  async drain(): Promise<void> {
    while ((await this.runOnce()) > 0) {}
  }

  /** Deletes changes every consumer has passed once they are older than the retention. */
  prune(now = new Date()): Promise<number> {
    const olderThan = new Date(now.getTime() - this.deps.settings.retentionHours * 3_600_000);
    return pruneStream(this.deps.database, this.laneNames, olderThan);
  }

  /** Runs in the background until `stop()`: woken by the signal, by due retries, and every pollMs. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Finishes the current pass, then gives up the leases so another process can continue at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.deps.signal.ring();
    await this.loop;
    this.loop = undefined;
    // A processor that never got a lane still counted as a member of its consumers' partitions.
    for (const lane of this.lanes) await lane.leave().catch(() => {});
    if (!this.leased) return;
    for (const name of this.laneNames) await this.deps.claims.release(name, this.holder).catch(() => {});
    this.held.clear();
  }

  /**
   * One loop per consumer, so a slow consumer (photos being resized) never holds back another
   * (notes becoming searchable). Each sleeps until the doorbell rings, a retry of its is due, or pollMs.
   */
  private async run(): Promise<void> {
    let lastPrune = 0;
    const pruneWhenDue = async () => {
      if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
      lastPrune = Date.now();
      await this.prune();
    };
    await Promise.all(
      this.lanes.map(async (lane) => {
        while (!this.stopping) {
          let moved = 0;
          try {
            moved = await this.pass(lane);
            await pruneWhenDue();
          } catch (error) {
            this.log.error({ err: error, consumer: lane.name }, 'stream pass failed; trying again after the poll interval');
          }
          if (moved > 0) {
            await yieldToRequests();
            continue;
          }
          if (!this.stopping) await this.deps.signal.wait(await this.idleMs(lane.name), lane.name);
        }
      }),
    );
  }

  private async idleMs(consumer: string): Promise<number> {
    const due = await this.deps.retries.nextDueAt(consumer).catch(() => undefined);
    const pollMs = this.deps.settings.pollMs;
    return due ? Math.min(pollMs, Math.max(0, due.getTime() - this.clock.now())) : pollMs;
  }

  /**
   * Works one lane if it is this processor's, has work and its lease can be had, renewing the lease
   * for as long as the work takes. A lane that is no longer its own (partitions.ts) is given up. The
   * lease is held only while working: a processor with nothing to do neither takes nor renews it,
   * so at rest it writes nothing, and its lease lapses leaseMs after its last work. Another process
   * may take the lane then, which is what the lease allows anyway.
   */
  private async pass(lane: Lane): Promise<number> {
    if (!(await lane.isMine())) {
      if (this.held.delete(lane.name)) await this.deps.claims.release(lane.name, this.holder);
      return 0;
    }
    if (!(await this.hasWork(lane.name))) return 0;
    if (!(await this.holdLease(lane.name))) return 0;
    const lease = keepLease(() => this.renewLease(lane.name), this.leaseMs / 3, STALL_LEASES * this.leaseMs);
    try {
      return await this.work(lane, lease);
    } finally {
      await lease.stop();
    }
  }

  private async work(lane: Lane, lease: KeptLease): Promise<number> {
    const { claims, retries, settings } = this.deps;
    let moved = await this.retryDue(lane, lease);
    const batch = await claims.next(lane.name, settings.batchSize);
    const last = batch.at(-1);
    if (!last) return moved;
    const outcome: Outcome = { waiting: await retries.waitingEntities(lane.name), parked: [], buried: [] };
    const wanted = batch.filter((change) => lane.takes(change));
    const chunk = Math.min(DELIVERY_CHUNK, lane.consumer.batchLimit ?? DELIVERY_CHUNK);
    for (let i = 0; i < wanted.length; i += chunk) {
      if (i > 0) await yieldToRequests();
      if (!(await this.deliver(lane, wanted.slice(i, i + chunk), outcome, lease))) return moved;
    }
    const { parked, buried } = outcome;
    const checkpoint = async (db: Kysely<Tables>) => {
      await retries.park(db, lane.name, parked);
      for (const { change, error } of buried) await retries.bury(db, lane.name, change, 1, error);
      if (!(await claims.advance(db, lane.name, this.holder, last.seq))) throw new LeaseLost();
    };
    try {
      // Parking and the checkpoint commit together; a lone checkpoint update is atomic by itself.
      if (parked.length + buried.length === 0) await checkpoint(this.deps.database.db);
      else await this.deps.database.db.transaction().execute(checkpoint);
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
      this.log.warn({ consumer: lane.name }, 'another processor took over this consumer; its batch will be delivered again');
      return moved;
    }
    lane.consumer.advanced?.();
    for (const { change, error } of buried) await this.calls.deadLettered(lane.consumer, change, 1, error);
    moved += batch.length;
    return moved;
  }

  /**
   * Delivers a run of changes in order: at once when the consumer takes batches, else (or when
   * the batch failed) one by one. A change of an entity with an earlier failure waits behind it.
   * False when the lease was lost meanwhile (nothing is checkpointed; the batch comes again).
   */
  private async deliver(lane: Lane, changes: readonly Change[], outcome: Outcome, lease: KeptLease): Promise<boolean> {
    const { settings } = this.deps;
    const { consumer } = lane;
    const waitBehind = (change: Change) =>
      outcome.parked.push({ change, attempts: 0, nextAttemptAt: new Date(this.clock.now()), error: null });
    const fresh = changes.filter((change) => !outcome.waiting.has(entityKey(change)));
    for (const change of changes) if (outcome.waiting.has(entityKey(change))) waitBehind(change);
    if (lease.lost) return false;
    if (await this.calls.batch(consumer, fresh)) {
      lease.progressed();
      return true;
    }
    for (const change of fresh) {
      if (lease.lost) return false;
      const key = entityKey(change);
      if (outcome.waiting.has(key)) {
        waitBehind(change);
        continue;
      }
      const error = await this.calls.one(consumer, change, 1);
      lease.progressed();
      if (error === undefined) continue;
      outcome.waiting.add(key);
      if (settings.maxAttempts <= 1) outcome.buried.push({ change, error });
      else
        outcome.parked.push({
          change,
          attempts: 1,
          nextAttemptAt: new Date(this.clock.now() + backoffMs(1, this.deps.settings, this.random)),
          error,
        });
    }
    return this.holdLease(lane.name);
  }

  /** Tries the oldest waiting change of each entity whose time has come. */
  private async retryDue(lane: Lane, lease: KeptLease): Promise<number> {
    const { retries, settings } = this.deps;
    const { consumer } = lane;
    const due = await retries.due(lane.name, new Date(this.clock.now()), settings.batchSize);
    for (const { change, attempts } of due) {
      if (lease.lost) break;
      const made = attempts + 1;
      const error = await this.calls.one(consumer, change, made);
      lease.progressed();
      if (error === undefined) {
        await retries.succeeded(lane.name, change.seq);
      } else if (made >= settings.maxAttempts) {
        await retries.deadLetter(lane.name, change, made, error);
        await this.calls.deadLettered(consumer, change, made, error);
      } else {
        await retries.reschedule(
          lane.name,
          change.seq,
          made,
          new Date(this.clock.now() + backoffMs(made, this.deps.settings, this.random)),
          error,
        );
      }
    }
    return due.length;
  }

  /** Reads only: new changes after the checkpoint, or a retry whose time has come. */
  private async hasWork(consumer: string): Promise<boolean> {
    if (await this.deps.claims.pending(consumer)) return true;
    const due = await this.deps.retries.nextDueAt(consumer);
    return due !== undefined && due.getTime() <= this.clock.now();
  }

  /**
   * The lease, renewed only when its last renewal is a third of a lease old: passes follow each
   * other closely under a steady stream of writes, and renewing at each of them was a write per
   * pass for nothing. The lease cannot have lapsed meanwhile, and the checkpoint is fenced by the
   * lease anyway (claims.advance refuses another holder's).
   */
  private async holdLease(consumer: string): Promise<boolean> {
    const renewed = this.renewedAt.get(consumer);
    if (renewed !== undefined && this.held.has(consumer) && this.clock.now() - renewed < this.leaseMs / 3) return true;
    return this.renewLease(consumer);
  }

  private async renewLease(consumer: string): Promise<boolean> {
    const now = new Date(this.clock.now());
    const held = await this.deps.claims.lease(consumer, this.holder, now, new Date(now.getTime() + this.leaseMs));
    this.leased ||= held;
    if (held) {
      this.held.add(consumer);
      this.renewedAt.set(consumer, now.getTime());
    } else {
      this.renewedAt.delete(consumer);
    }
    return held;
  }
}
