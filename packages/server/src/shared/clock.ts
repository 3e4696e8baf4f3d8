/**
 * Where services read the time that decides behaviour: token, session and signed URL expiry,
 * idempotency and retention windows, leases and retry times. One clock is built by the runtime
 * and handed down, so tests can move a whole server forward instead of sleeping. Measuring how
 * long something took stays with `performance.now()`.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
