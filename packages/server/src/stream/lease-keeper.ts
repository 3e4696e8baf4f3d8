/** A lease renewed in the background while work under it makes progress. */
export interface KeptLease {
  /**
   * True once a renewal found another holder, or the work stalled and renewing stopped: the work
   * should stop. (Its checkpoint is refused once another processor holds the lease.)
   */
  readonly lost: boolean;
  /** Says the work moved (a change or a batch was handled), so the lease is worth keeping. */
  progressed(): void;
  /** Stops renewing, once a renewal in flight has landed (so a released lease stays released). */
  stop(): Promise<void>;
}

/**
 * Renews a lease every `everyMs` while the work progresses, so work that takes longer than the
 * lease keeps it. Without this, a pass slower than the lease (a batch of large photos, a loaded
 * database) loses its consumer halfway: another processor takes it over, redoes the same changes,
 * and loses it the same way to the first, so with two processes neither may ever finish.
 * Renewing stops when nothing progressed for `stallMs`: a call that hangs (a stalled S3 read) must
 * not hold the consumer from every other process for as long as this one lives. A process that
 * dies stops renewing, and its lease lapses as before. One renewal at a time; a failed one (the
 * database briefly unreachable) is retried at the next tick.
 */
export function keepLease(renew: () => Promise<boolean>, everyMs: number, stallMs: number): KeptLease {
  let lost = false;
  let lastProgress = Date.now();
  let renewal: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (renewal || lost) return;
    if (Date.now() - lastProgress > stallMs) {
      lost = true;
      return;
    }
    renewal = renew()
      .then(
        (held) => {
          lost ||= !held;
        },
        () => {},
      )
      .finally(() => {
        renewal = undefined;
      });
  }, everyMs);
  return {
    get lost() {
      return lost;
    },
    progressed() {
      lastProgress = Date.now();
    },
    async stop() {
      clearInterval(timer);
      await renewal;
    },
  };
}
