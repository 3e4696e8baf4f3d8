import type { Clock } from '../shared/clock.js';

/**
 * A clock for tests that runs with real time and can be moved forward at once: a test advances it
 * past an expiry instead of sleeping. It keeps running because the server's own timers (polls,
 * leases, retries) still wait in real time, and a frozen clock would make their deadlines never
 * come.
 */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
