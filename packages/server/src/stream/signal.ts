/**
 * The processor's doorbell: writers ring it (`notify`) once their transaction has ended, the
 * processor waits on it between passes. A ring while nobody waits is remembered, so a commit made
 * during a pass is never missed. This one rings within the process; the PostgreSQL one
 * (signal.postgres.ts) also carries rings between processes.
 */
export class ChangeSignal {
  private pending = false;
  private wake: (() => void) | undefined;

  /** A write that may have recorded changes has ended (committed or not). */
  notify(): void {
    this.ring();
  }

  /** Wakes this process's waiter only (e.g. to stop it). */
  ring(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Resolves at the next ring (at once if one came since the last wait) or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }

  /** Lets go of whatever the doorbell holds open. */
  async close(): Promise<void> {}
}
