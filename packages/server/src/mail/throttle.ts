import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { MailConfig } from '../config/mail.js';
import { REDIS_NAMESPACES } from '../limiter/redis.js';
import { countAttempt, throttled, type WindowLimiters } from '../limiter/window-limiters.js';

/**
 * Bounds the mail the account flows send, so they cannot bomb an inbox or burn the operator's
 * sending reputation: messages per recipient, and messages asked for per client address, within a
 * window. Counted before the message is queued, atomically, whether or not the recipient has an
 * account: the answer never tells which addresses have one.
 */
export class MailThrottle {
  private readonly perRecipient: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(
    limiters: WindowLimiters,
    private readonly config: MailConfig,
  ) {
    this.perRecipient = limiters(REDIS_NAMESPACES.mailRecipients, config.perRecipient, config.windowSeconds);
    this.perAddress = limiters(REDIS_NAMESPACES.mailAddresses, config.perAddress, config.windowSeconds);
  }

  /** Counts a message to `recipient` asked for from `address`; throws 429 mail_throttled past either limit. */
  async take(recipient: string, address: string): Promise<void> {
    const [byRecipient, byAddress] = await Promise.all([
      countAttempt(this.perRecipient, recipient),
      countAttempt(this.perAddress, address),
    ]);
    const refusals = [
      { count: byRecipient, limit: this.config.perRecipient },
      { count: byAddress, limit: this.config.perAddress },
    ].filter(({ count, limit }) => count.consumedPoints > limit);
    if (refusals.length === 0) return;
    throw throttled(
      'mail_throttled',
      (seconds) => `Too many messages for this email or from this address. Retry after ${seconds} s.`,
      Math.max(...refusals.map(({ count }) => count.msBeforeNext)),
    );
  }
}
