import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import type { HolderColumn, PhotoStore, QuotaHolders } from './store.js';

export interface QuotaLimits {
  /** Bytes the photos of one identity may take. */
  readonly identityBytes: number;
  /** When set, the bytes of `ownerId` (guests may have less), read on the quota's transaction: replaces identityBytes. */
  readonly identityBytesOf?: (ownerId: string, trx: Kysely<Tables> | undefined) => Promise<number>;
  /** Bytes the photos created through one API key may take, every identity of the app together. */
  readonly apiKeyBytes: number;
}

/** A quota that `neededBytes` more would pass, and where it stands. */
export interface QuotaExcess {
  readonly scope: 'identity' | 'apiKey';
  readonly usedBytes: number;
  readonly quotaBytes: number;
  readonly neededBytes: number;
}

/**
 * Photo storage quotas: one per identity, and one per API key, since every guest an app creates
 * has a quota of its own and would otherwise multiply what one app may store. What counts is each
 * photo's stored bytes: its declared length from creation until its upload is finished or
 * abandoned, then the original plus its variants.
 */
export class PhotoQuota {
  constructor(
    private readonly store: PhotoStore,
    private readonly limits: QuotaLimits,
  ) {}

  /**
   * Takes the quota locks of `holders` until `trx` ends, then answers the first quota that
   * `neededBytes` more would pass, or undefined when both have room. The caller writes the bytes
   * (a new photo, or variants) in the same transaction, so two writers cannot both squeeze under.
   */
  async reserve(trx: Kysely<Tables>, holders: QuotaHolders, neededBytes: number, now: number): Promise<QuotaExcess | undefined> {
    await this.store.lockQuotaHolders(trx, holders, now);
    return this.measure(trx, holders, neededBytes);
  }

  /**
   * The same answer without the locks: an early look that spares work `reserve` would refuse
   * anyway. A writer running meanwhile may make it wrong, so `reserve` has the last word.
   */
  async check(holders: QuotaHolders, neededBytes: number): Promise<QuotaExcess | undefined> {
    return this.measure(undefined, holders, neededBytes);
  }

  private async measure(trx: Kysely<Tables> | undefined, holders: QuotaHolders, neededBytes: number): Promise<QuotaExcess | undefined> {
    // The identity's first: it is the one the identity can do something about.
    const checks: { scope: QuotaExcess['scope']; column: HolderColumn; id: string; quotaBytes: number }[] = [
      {
        scope: 'identity',
        column: 'owner_id',
        id: holders.ownerId,
        quotaBytes: (await this.limits.identityBytesOf?.(holders.ownerId, trx)) ?? this.limits.identityBytes,
      },
    ];
    if (holders.apiKeyId !== null) {
      checks.push({ scope: 'apiKey', column: 'api_key_id', id: holders.apiKeyId, quotaBytes: this.limits.apiKeyBytes });
    }
    for (const { scope, column, id, quotaBytes } of checks) {
      const usedBytes = await this.store.usage(column, id, trx);
      if (usedBytes + neededBytes > quotaBytes) return { scope, usedBytes, quotaBytes, neededBytes };
    }
    return undefined;
  }
}

/** What creating a photo answers when a quota has no room for it (413, like any other storage quota). */
export function quotaProblem(excess: QuotaExcess): Problem {
  const { scope, usedBytes, quotaBytes, neededBytes } = excess;
  const detail =
    scope === 'identity'
      ? `Your photos use ${usedBytes} of your ${quotaBytes} bytes; this one needs ${neededBytes} more. Delete some photos first.`
      : `The photos of this app (its API key) use ${usedBytes} of its ${quotaBytes} bytes; this one needs ${neededBytes} more. Ask the operator for more room.`;
  return new Problem('storage_quota_exceeded', detail, { extensions: { usedBytes, quotaBytes, scope } });
}

/** The failure reason of a photo whose variants a quota has no room for. */
export function variantsOverQuota(excess: QuotaExcess): string {
  const whose = excess.scope === 'identity' ? 'your' : "this app's";
  return (
    `Its variants need ${excess.neededBytes} bytes, more than ${whose} storage quota has left ` +
    `(${excess.usedBytes} of ${excess.quotaBytes} bytes used). Delete some photos and upload it again.`
  );
}
