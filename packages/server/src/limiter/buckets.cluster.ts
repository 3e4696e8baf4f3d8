import type { ClusterLink } from '../shared/cluster-link.js';
import type { BucketState, TokenBuckets } from './limiter.js';

interface Take {
  readonly keyId: string;
  readonly rate: number;
  readonly burst: number;
  readonly cost: number;
}

const ASK = 'buckets.take';
const ANSWER = 'buckets.taken';
/** An answer the primary never sent (it is gone) fails the request rather than hanging it. */
const TIMEOUT_MS = 5_000;

/**
 * The token buckets of an HTTP process in a `serve` that forked several: the buckets themselves
 * live in the primary (exact, as in one process), and each take is asked of it over IPC. The
 * takes of one turn of the event loop travel in one message, so a busy process pays one round
 * trip per turn, not per request.
 */
export class ClusterTokenBuckets implements TokenBuckets {
  private queued: { take: Take; settle: (state: BucketState | Error) => void }[] = [];
  private readonly waiting = new Map<number, { settles: ((state: BucketState | Error) => void)[]; timer: NodeJS.Timeout }>();
  private nextId = 0;
  private readonly stopHearing: () => void;

  constructor(private readonly link: ClusterLink) {
    this.stopHearing = link.on(ANSWER, (message) => {
      const asked = this.waiting.get(message.id as number);
      if (!asked) return;
      this.waiting.delete(message.id as number);
      clearTimeout(asked.timer);
      const states = message.states as BucketState[];
      for (const [i, settle] of asked.settles.entries())
        settle(states[i] ?? new Error('the primary answered fewer bucket takes than asked'));
    });
  }

  take(keyId: string, rate: number, burst: number, cost = 1): Promise<BucketState> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({
        take: { keyId, rate, burst, cost },
        settle: (state) => (state instanceof Error ? reject(state) : resolve(state)),
      });
    });
  }

  async close(): Promise<void> {
    this.stopHearing();
    for (const id of [...this.waiting.keys()]) this.fail(id, 'shutting down');
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    const id = this.nextId++;
    const timer = setTimeout(() => this.fail(id, 'the primary process did not answer a rate-limit check'), TIMEOUT_MS).unref();
    this.waiting.set(id, { settles: batch.map((entry) => entry.settle), timer });
    this.link.send({ shoebox: ASK, id, takes: batch.map((entry) => entry.take) });
  }

  private fail(id: number, reason: string): void {
    const asked = this.waiting.get(id);
    if (!asked) return;
    this.waiting.delete(id);
    clearTimeout(asked.timer);
    for (const settle of asked.settles) settle(new Error(reason));
  }
}

/** The primary's side: answers every HTTP process's takes from `buckets`, one answer per message. */
export function serveTokenBuckets(link: ClusterLink, buckets: TokenBuckets): () => void {
  return link.on(ASK, (message, reply) => {
    const takes = message.takes as Take[];
    Promise.all(takes.map((take) => buckets.take(take.keyId, take.rate, take.burst, take.cost))).then(
      (states) => reply({ shoebox: ANSWER, id: message.id, states }),
      () => {},
    );
  });
}
