import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { IdentityConfig } from '../config/config.js';
import { REDIS_NAMESPACES } from '../limiter/redis.js';
import { countAttempt, throttled, type WindowLimiters } from '../limiter/window-limiters.js';

/**
 * Bounds the guest identities one client address creates within a window. Every guest has a photo
 * quota of its own, so without this bound a client multiplies the storage it may fill by creating
 * guests; the API key's plan alone cannot tell one device from a thousand. Counted atomically
 * before the guest exists, so parallel requests cannot outrun it.
 */
export class GuestThrottle {
  private readonly perAddress: RateLimiterAbstract;

  constructor(
    limiters: WindowLimiters,
    private readonly config: IdentityConfig,
  ) {
    this.perAddress = limiters(REDIS_NAMESPACES.guestAddresses, config.guestsPerAddress, config.guestWindowSeconds);
  }

  /** Counts a guest creation from `address`; throws 429 with Retry-After past the limit. */
  async take(address: string): Promise<void> {
    const count = await countAttempt(this.perAddress, address);
    if (count.consumedPoints <= this.config.guestsPerAddress) return;
    throw throttled(
      'guest_creation_throttled',
      (seconds) =>
        `This address created ${this.config.guestsPerAddress} guest identities within ${this.config.guestWindowSeconds} s. ` +
        `Retry after ${seconds} s, or keep and refresh the guest this device already has.`,
      count.msBeforeNext,
    );
  }
}
