import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { Problem } from '../errors.js';

/**
 * Counts failed password logins per email and per client address within a window. When either
 * count reaches its limit, further attempts are refused with 429 before any password is checked,
 * so guessing costs the attacker time and costs us nothing. The counters are rate-limiter-flexible
 * limiters: in memory for one process, Redis when several share the work.
 */
export class LoginThrottle {
  constructor(
    private readonly perEmail: RateLimiterAbstract,
    private readonly perAddress: RateLimiterAbstract,
  ) {}

  /** Throws 429 with Retry-After while this email or address is locked out. */
  async check(email: string, address: string): Promise<void> {
    const [byEmail, byAddress] = await Promise.all([this.perEmail.get(email), this.perAddress.get(address)]);
    const waits = [
      byEmail && byEmail.consumedPoints >= this.perEmail.points ? byEmail.msBeforeNext : 0,
      byAddress && byAddress.consumedPoints >= this.perAddress.points ? byAddress.msBeforeNext : 0,
    ];
    const waitMs = Math.max(...waits);
    if (waitMs <= 0) return;
    const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
    throw new Problem('login_throttled', `Too many failed logins for this account or from this address. Retry after ${retryAfter} s.`, {
      headers: { 'retry-after': retryAfter },
      extensions: { retryAfterSeconds: Number(retryAfter) },
    });
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([this.perEmail.penalty(email, 1), this.perAddress.penalty(address, 1)]);
  }

  /** A successful login clears the email's count; the address keeps its count, or one good account would launder guesses. */
  async recordSuccess(email: string): Promise<void> {
    await this.perEmail.delete(email);
  }
}
