/** A lease renewed in the background while work runs under it. */
export interface KeptLease {
  /** True once a renewal found another holder: the work should stop, its results are not checkpointed. */
  readonly lost: boolean;
  /** Stops renewing (a renewal in flight finishes on its own). */
  stop(): void;
}

/**
 * Renews a lease every `everyMs` until stopped, so work that takes longer than the lease keeps it.
 * Without this, a pass slower than the lease (a batch of large photos, a loaded database) loses
 * its consumer halfway: another processor takes it over, redoes the same changes, and loses it the
 * same way to the first, so with two processes neither may ever finish. A process that dies stops
 * renewing, and its lease lapses as before. One renewal at a time; a failed one (the database
 * briefly unreachable) is retried at the next tick.
 */
export function keepLease(renew: () => Promise<boolean>, everyMs: number): KeptLease {
  let lost = false;
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing || lost) return;
    renewing = true;
    renew()
      .then(
        (held) => {
          lost ||= !held;
        },
        () => {},
      )
      .finally(() => {
        renewing = false;
      });
  }, everyMs);
  return {
    get lost() {
      return lost;
    },
    stop: () => clearInterval(timer),
  };
}
