import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { sha256 } from '../shared/secrets.js';

export interface StoredTotp {
  readonly secret: string;
  readonly confirmed: boolean;
  readonly lastTimeStep: number | null;
}

/** Normalised before hashing: codes are typed by hand, in any case, with or without the dash. */
export const recoveryCodeHash = (code: string): string => sha256(code.replace(/[\s-]/g, '').toLowerCase());

/** Second factors: an identity's TOTP secret and its recovery codes. Runs on what it was built with. */
export class MfaStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async totp(identityId: string): Promise<StoredTotp | undefined> {
    const row = await this.db
      .selectFrom('identity_totp')
      .select(['secret', 'confirmed_at', 'last_time_step'])
      .where('identity_id', '=', identityId)
      .executeTakeFirst();
    return (
      row && {
        secret: row.secret,
        confirmed: row.confirmed_at !== null,
        lastTimeStep: row.last_time_step === null ? null : Number(row.last_time_step),
      }
    );
  }

  /** Starts (or starts over) an enrolment; never replaces a confirmed factor. False when one is active. */
  async enrol(identityId: string, secret: string, now: number): Promise<boolean> {
    await this.db.deleteFrom('identity_totp').where('identity_id', '=', identityId).where('confirmed_at', 'is', null).execute();
    const result = await this.db
      .insertInto('identity_totp')
      .values({ identity_id: identityId, secret, created_at: now, confirmed_at: null, last_time_step: null })
      .onConflict((oc) => oc.column('identity_id').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  /**
   * Records `timeStep` as the last accepted, if it is later than the last one. The condition is in
   * the UPDATE: of concurrent uses of one code, exactly one is accepted.
   */
  async acceptTimeStep(identityId: string, timeStep: number, confirmAt: number | null): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_totp')
      .set({ last_time_step: timeStep, ...(confirmAt !== null && { confirmed_at: confirmAt }) })
      .where('identity_id', '=', identityId)
      .where((eb) => eb.or([eb('last_time_step', 'is', null), eb('last_time_step', '<', timeStep)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async replaceRecoveryCodes(identityId: string, codes: readonly string[]): Promise<void> {
    await this.db.deleteFrom('mfa_recovery_codes').where('identity_id', '=', identityId).execute();
    await this.db
      .insertInto('mfa_recovery_codes')
      .values(codes.map((code) => ({ code_hash: recoveryCodeHash(code), identity_id: identityId, used_at: null })))
      .execute();
  }

  /** Uses up a recovery code of the identity: true once per code, whatever runs concurrently. */
  async useRecoveryCode(identityId: string, code: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('mfa_recovery_codes')
      .set({ used_at: now })
      .where('code_hash', '=', recoveryCodeHash(code))
      .where('identity_id', '=', identityId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Removes the second factor and its recovery codes. Idempotent. */
  async remove(identityId: string): Promise<void> {
    await this.db.deleteFrom('mfa_recovery_codes').where('identity_id', '=', identityId).execute();
    await this.db.deleteFrom('identity_totp').where('identity_id', '=', identityId).execute();
  }
}
