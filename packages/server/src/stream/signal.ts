/**
 * The processor's doorbell: writers ring it (`notify`) once their transaction has ended, the
 * processor's loops wait on it between passes, one waiter per consumer. Every waiter hears every
 * ring, and a ring while a waiter is busy is remembered for it, so a commit made during a pass is
 * never missed. This one rings within the process; the PostgreSQL one (signal.postgres.ts) also
 * carries rings between processes.
 */
export class ChangeSignal {
  /** Rings so far; each waiter remembers how many it has heard. */
  private rings = 0;
  private readonly heard = new Map<string, number>();
  private readonly wakes = new Set<() => void>();

  /** A write that may have recorded changes has ended (committed or not). */
  notify(): void {
    this.ring();
  }

  /** Wakes this process's waiters only (e.g. to stop them). */
  ring(): void {
    this.rings++;
    for (const wake of [...this.wakes]) wake();
  }

  /** Resolves at the next ring (at once if one came since `waiter` last waited) or after `ms`. */
  wait(ms: number, waiter = 'processor'): Promise<void> {
    if ((this.heard.get(waiter) ?? 0) !== this.rings) {
      this.heard.set(waiter, this.rings);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakes.delete(finish);
        this.heard.set(waiter, this.rings);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakes.add(finish);
    });
  }

  /** Lets go of whatever the doorbell holds open. */
  async close(): Promise<void> {}
}
