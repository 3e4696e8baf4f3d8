import { ShoeboxError } from '../errors.js';
import { serverSentEvents } from './server-sent-events.js';

/** What the live connection needs of the copy it keeps up to date. */
export interface LiveCopy {
  /** Reads the feed until the copy is up to date; rejects when the server cannot be reached. */
  pull(): Promise<void>;
  /** Sends the writes waiting on the device. */
  flush(): Promise<void>;
  /** The feed position the copy is complete up to. */
  cursor(): string;
  /** The cursor is older than what the server keeps: the next pull reads everything again. */
  expired(): Promise<void>;
  /** Opens the realtime stream, replaying what came after `lastEventId`. */
  open(lastEventId: string, signal: AbortSignal): Promise<Response>;
  /** Hears how the connection stands. */
  connection(state: 'connecting' | 'live' | 'offline'): void;
}

/** A wait before attempt `attempt` (0 first): doubling from 1 s up to `maxMs`, with jitter so devices do not come back all at once. */
export function backoff(attempt: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, 1000 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

const isExpired = (error: unknown) => error instanceof ShoeboxError && error.code === 'cursor_expired';

/**
 * Keeps a copy live: reads the feed, opens the realtime stream with `Last-Event-ID` at the copy's
 * cursor (the server replays whatever committed since, so nothing between the read and the stream
 * is missed) and reads the feed again at each event. When the stream fails, ends, or stays silent
 * for `idleTimeoutMs`, it does all of that again after a backoff, at once after `reconnect()`.
 */
export class LiveConnection {
  #abort: AbortController | undefined;
  #wake: (() => void) | undefined;
  /** Set by reconnect(): the next attempt starts without waiting. */
  #hurry = false;
  #stopped = false;

  constructor(
    private readonly copy: LiveCopy,
    private readonly timing: { readonly maxBackoffMs: number; readonly idleTimeoutMs: number },
  ) {
    void this.#run();
  }

  /** Drops the current connection and opens another now (another identity, the network back). */
  reconnect(): void {
    this.#hurry = true;
    this.#abort?.abort();
    this.#wake?.();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
  }

  async #run(): Promise<void> {
    for (let attempt = 0; !this.#stopped; attempt++) {
      const abort = new AbortController();
      this.#abort = abort;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const heard = () => {
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(), this.timing.idleTimeoutMs);
      };
      try {
        this.copy.connection('connecting');
        await this.copy.pull();
        void this.copy.flush().catch(() => undefined);
        const response = await this.copy.open(this.copy.cursor(), abort.signal);
        if (!response.body) throw new ShoeboxError('invalid_response', 'The realtime stream has no body');
        this.copy.connection('live');
        attempt = 0;
        heard();
        // Each event means the feed has more: read it (reads while one runs coalesce into one more).
        for await (const _ of serverSentEvents(response.body, heard)) void this.copy.pull().catch(() => undefined);
      } catch (error) {
        if (this.#stopped) return;
        // Pruned between the read and the stream: the next attempt reads everything again.
        if (isExpired(error)) await this.copy.expired();
      } finally {
        clearTimeout(idle);
      }
      if (this.#stopped) return;
      this.copy.connection('offline');
      if (!this.#hurry) await this.#pause(backoff(attempt, this.timing.maxBackoffMs));
      this.#hurry = false;
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
