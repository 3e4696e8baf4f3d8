import type { Database } from '../db/database.js';
import type { Change } from '../stream/change.js';
import { toChange } from '../stream/claims.js';
import type { ChangeSignal } from '../stream/signal.js';

/** Someone listening: one realtime connection. */
export interface Listener {
  readonly ownerId: string;
  /** Also every identity's public notes. */
  readonly publicNotes: boolean;
  hear(change: Change): void;
  /** Ends the connection (the server is shutting down). */
  end(): void;
}

const READ_CHUNK = 500;
const WAITER = 'realtime';
/** Up to this many owners listening, a poll reads only their changes; beyond, reading all is cheaper than the list. */
const OWNER_FILTER_MAX = 200;

/** Whether a change shows a public note: its new state is public, or it removed a public one (whose words are gone). */
export const isPublicNote = (change: Change): boolean =>
  change.entity === 'note' && (change.newImage ?? change.oldImage)?.visibility === 'public';

/**
 * Fans published changes (published.ts) out to this process's realtime connections. While
 * anyone listens it waits on the publication's doorbell, which the processor rings each time the
 * publication moves (through PostgreSQL for processors in other processes), then reads the new
 * changes once for every listener of the process together and hands each to the listeners of its
 * owner (and, for public notes, to those who asked for them). The position is the database's,
 * so every API process hears every write, whichever process or worker made and processed it;
 * `fallbackMs` bounds the wait should a ring be lost (a dropped LISTEN connection).
 */
export class RealtimeHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly publicListeners = new Set<Listener>();
  private position: number | undefined;
  private loop: Promise<void> | undefined;
  private count = 0;

  constructor(
    private readonly database: Database,
    private readonly published: () => Promise<number>,
    private readonly doorbell: ChangeSignal,
    private readonly fallbackMs: number,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  /**
   * Adds a listener; it hears every change published after the answered position (the caller
   * replays what came before from the feed). Returns how to remove it.
   */
  async listen(listener: Listener): Promise<{ from: number; stop: () => void }> {
    const from = await this.currentPosition();
    const owned = this.listeners.get(listener.ownerId) ?? new Set();
    owned.add(listener);
    this.listeners.set(listener.ownerId, owned);
    if (listener.publicNotes) this.publicListeners.add(listener);
    this.count++;
    this.loop ??= this.run();
    let stopped = false;
    return {
      from,
      stop: () => {
        if (stopped) return;
        stopped = true;
        owned.delete(listener);
        if (owned.size === 0 && this.listeners.get(listener.ownerId) === owned) this.listeners.delete(listener.ownerId);
        this.publicListeners.delete(listener);
        this.count--;
        // The last one gone: the loop ends now rather than at its next wake.
        if (this.count === 0) this.doorbell.ring();
      },
    };
  }

  /** Connections listening now. */
  get connections(): number {
    return this.count;
  }

  /** Ends every connection: for shutdown, so open streams do not hold the server up. */
  endAll(): void {
    for (const owned of this.listeners.values()) for (const listener of owned) listener.end();
  }

  /** The position listeners have heard up to; known once read, then moved only by the loop. */
  private async currentPosition(): Promise<number> {
    this.position ??= await this.published();
    return this.position;
  }

  private async run(): Promise<void> {
    while (this.count > 0) {
      await this.doorbell.wait(this.fallbackMs, WAITER);
      if (this.count === 0) break;
      try {
        await this.fanOut();
      } catch (error) {
        this.log.warn({ err: error }, 'realtime: reading published changes failed; trying again at the next poll');
      }
    }
    this.loop = undefined;
    // Nobody listens: the next listener starts from the position then, not from a stale one.
    this.position = undefined;
  }

  private async fanOut(): Promise<void> {
    const upTo = await this.published();
    let after = await this.currentPosition();
    while (after < upTo && this.count > 0) {
      const owners = [...this.listeners.keys()];
      let query = this.database.db
        .selectFrom('stream_changes')
        .selectAll()
        .where('seq', '>', after)
        .where('seq', '<=', upTo)
        .where('entity', 'in', ['note', 'photo'])
        .orderBy('seq')
        .limit(READ_CHUNK);
      if (this.publicListeners.size === 0 && owners.length <= OWNER_FILTER_MAX) query = query.where('owner_id', 'in', owners);
      const rows = await query.execute();
      for (const change of rows.map(toChange)) this.tell(change);
      after = rows.length < READ_CHUNK ? upTo : Number(rows.at(-1)?.seq ?? upTo);
      this.position = after;
    }
  }

  private tell(change: Change): void {
    const owners = this.listeners.get(change.ownerId);
    for (const listener of owners ?? []) listener.hear(change);
    if (!isPublicNote(change)) return;
    for (const listener of this.publicListeners) if (listener.ownerId !== change.ownerId) listener.hear(change);
  }
}
