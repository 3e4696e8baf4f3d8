import type { GuestPolicyConfig } from '../config/guest-policy.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/observability.js';
import type { IdentityService } from './service.js';
import type { IdentityStore } from './store.js';

const BATCH = 100;
const DAY_MS = 86_400_000;

/**
 * Removes guests unused for the guest lifetime, with everything they own (through the data
 * owners, as DELETE /admin/identities/{id} does). Runs in `serve` and every `worker`; deleting is
 * idempotent, so processes sweeping at once do no harm. Off when the lifetime is 0.
 */
export class GuestReaper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private running = false;

  constructor(
    private readonly identities: IdentityService,
    private readonly store: IdentityStore,
    private readonly policy: GuestPolicyConfig,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    if (this.running || this.policy.lifetimeDays === 0) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** Deletes inactive guests until none is left (or the reaper stops); answers how many. */
  async sweep(): Promise<number> {
    const cutoff = this.clock.now() - this.policy.lifetimeDays * DAY_MS;
    let removed = 0;
    for (;;) {
      const ids = await this.store.inactiveGuests(cutoff, BATCH);
      for (const id of ids) await this.identities.delete(id);
      removed += ids.length;
      if (ids.length < BATCH || !this.running) return removed;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep()
        .then((removed) => {
          if (removed > 0) this.log.info({ removed, lifetimeDays: this.policy.lifetimeDays }, 'removed inactive guests');
        })
        .catch((error) => this.log.error({ err: error }, 'guest sweep failed; retrying at the next sweep'))
        .finally(() => {
          if (this.running) this.schedule(this.policy.sweepSeconds * 1000);
        });
    }, delayMs);
  }
}
