import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../config/config.js';
import { REDIS_NAMESPACES } from '../limiter/redis.js';
import { countAttempt, throttled, type WindowLimiters } from '../limiter/window-limiters.js';

/** A password attempt let through to the check. Only a success needs reporting: a failure stays counted. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
}

/**
 * Throttles password guessing. Each attempt is counted before its password is checked, atomically,
 * so guesses sent at once cannot outrun the count: of any number sent together, at most the limit
 * reach the check. Three counts share the failure window:
 *
 * - per email from one client address (`loginFailuresPerEmail`): guessing one account from one
 *   place. It locks out the guesser's address only, so an attacker cannot lock the owner, elsewhere,
 *   out of their account;
 * - per client address across emails (`loginFailuresPerAddress`): one address trying many accounts;
 * - per email from every address (`loginFailuresPerEmailCeiling`): past this ceiling the account is
 *   under a distributed attack, and every address gets one attempt per window on it. That slows
 *   guessing to one per address and window but never refuses an address that has not failed on it.
 *
 * A refused attempt gives its counts back (no password was checked), so retrying while refused
 * neither extends a lock nor spends the address's allowance. A successful attempt gives its counts
 * back too and clears its email-and-address count; earlier failures of the address and of the email
 * stay counted, or one good account would launder guesses.
 */
export class LoginThrottle {
  private readonly perPair: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;
  private readonly perEmail: RateLimiterAbstract;

  constructor(limiters: WindowLimiters, config: IdentityConfig) {
    const window = config.loginFailureWindowSeconds;
    this.perPair = limiters(REDIS_NAMESPACES.loginPairs, config.loginFailuresPerEmail, window);
    this.perAddress = limiters(REDIS_NAMESPACES.loginAddresses, config.loginFailuresPerAddress, window);
    this.perEmail = limiters(REDIS_NAMESPACES.loginEmails, config.loginFailuresPerEmailCeiling, window);
  }

  /** Counts an attempt of `email` from `address`; throws 429 with Retry-After when it may not be checked. */
  async take(email: string, address: string): Promise<LoginAttempt> {
    // JSON keeps the two parts apart whatever characters the email holds.
    const pair = JSON.stringify([email, address]);
    const [byPair, byAddress, byEmail] = await Promise.all([
      countAttempt(this.perPair, pair),
      countAttempt(this.perAddress, address),
      countAttempt(this.perEmail, email),
    ]);
    const refusals = [
      { count: byPair, limit: byEmail.consumedPoints > this.perEmail.points ? 1 : this.perPair.points },
      { count: byAddress, limit: this.perAddress.points },
    ].filter(({ count, limit }) => count.consumedPoints > limit);
    if (refusals.length > 0) {
      await Promise.all([this.perPair.reward(pair), this.perAddress.reward(address), this.perEmail.reward(email)]);
      throw throttled(
        'login_throttled',
        (seconds) => `Too many failed logins for this email or from this address. Retry after ${seconds} s.`,
        Math.max(...refusals.map(({ count }) => count.msBeforeNext)),
      );
    }
    return {
      succeeded: async () => {
        await Promise.all([this.perPair.delete(pair), this.perAddress.reward(address), this.perEmail.reward(email)]);
      },
    };
  }
}
