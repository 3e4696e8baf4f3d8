import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import { Problem } from '../errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { newSecret } from '../shared/secrets.js';
import { AccountTokenStore } from './account-tokens.js';
import type { LoginThrottle } from './login-throttle.js';
import { MfaStore } from './mfa-store.js';
import { PasswordLoginStore } from './password-logins.js';
import { newTotp, type TotpEnrolment, totpTimeStep } from './totp.js';

export interface MfaServiceParts {
  readonly database: Database;
  /** Codes are guessed like passwords: counted on the same throttle, per identity and client address. */
  readonly loginThrottle: LoginThrottle;
  /** The issuer shown in authenticator apps. */
  readonly appName: string;
  /** How long the mfaToken of a password login's first step lasts. */
  readonly challengeTtlSeconds: number;
  readonly clock?: Clock;
}

export interface MfaCaller {
  readonly identityId: string;
  readonly clientAddress: string;
}

const RECOVERY_CODES = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `xxxxx-xxxxx`: 50 random bits, easy to type and to keep on paper. */
const newRecoveryCode = (): string => {
  const chars = [...randomBytes(10)].map((byte) => BASE32[byte % 32]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
};

/**
 * TOTP second factors of password accounts: enrolment, confirmation with recovery codes, the
 * second step of a login, and removal. Every code, TOTP or recovery, works once.
 */
export class MfaService {
  private readonly clock: Clock;

  constructor(private readonly parts: MfaServiceParts) {
    this.clock = parts.clock ?? systemClock;
  }

  /** A new secret for the identity's password account; starts over an unconfirmed one, never replaces an active one. */
  async enrol(caller: MfaCaller): Promise<TotpEnrolment> {
    const db = this.parts.database.db;
    const login = await new PasswordLoginStore(db).ofIdentity(caller.identityId);
    if (!login) throw new Problem('conflict', 'A second factor protects a password login; this identity has none. Sign up first.');
    const enrolment = await newTotp(this.parts.appName, login.email);
    if (!(await new MfaStore(db).enrol(caller.identityId, enrolment.secret, this.clock.now()))) throw alreadyEnabled();
    return enrolment;
  }

  /** Activates the enrolled secret with a first code; answers the recovery codes, shown this once. */
  async confirm(caller: MfaCaller, code: string): Promise<string[]> {
    const now = this.clock.now();
    const store = new MfaStore(this.parts.database.db);
    const totp = await store.totp(caller.identityId);
    if (!totp) throw new Problem('conflict', 'No second factor is being enrolled. Start with POST /v1/accounts/mfa/totp.');
    if (totp.confirmed) throw alreadyEnabled();
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    await this.throttled(caller, async () => {
      const step = await totpTimeStep(totp.secret, code, totp.lastTimeStep, now);
      if (step === null) return false;
      // Active with its recovery codes, or not at all.
      return this.parts.database.db.transaction().execute(async (trx) => {
        const inTransaction = new MfaStore(trx);
        if (!(await inTransaction.acceptTimeStep(caller.identityId, step, now))) return false;
        await inTransaction.replaceRecoveryCodes(caller.identityId, codes);
        return true;
      });
    });
    return codes;
  }

  /** Removes the second factor; needs one of its codes. */
  async disable(caller: MfaCaller, code: string): Promise<void> {
    if (!(await this.enabled(caller.identityId))) throw new Problem('conflict', 'This identity has no second factor.');
    await this.throttled(caller, () => this.useCode(caller.identityId, code));
    await new MfaStore(this.parts.database.db).remove(caller.identityId);
  }

  /** For administrators: when a user lost both the authenticator and the recovery codes. Idempotent. */
  async reset(identityId: string): Promise<void> {
    await new MfaStore(this.parts.database.db).remove(identityId);
  }

  async enabled(identityId: string): Promise<boolean> {
    return (await new MfaStore(this.parts.database.db).totp(identityId))?.confirmed ?? false;
  }

  /** The problem a password login answers when its account has a second factor: 401 with a single-use mfaToken. */
  async challenge(identityId: string, email: string): Promise<Problem> {
    const now = this.clock.now();
    const mfaToken = newSecret('sbm');
    const tokens = new AccountTokenStore(this.parts.database.db);
    // Kept a day past expiry, so a late link still answers account_token_expired.
    await tokens.pruneExpired(identityId, now - 86_400_000);
    await tokens.ensure(mfaToken, {
      purpose: 'mfa',
      identityId,
      email,
      createdAt: now,
      expiresAt: now + this.parts.challengeTtlSeconds * 1000,
    });
    return new Problem(
      'mfa_required',
      'The password is right; this account also needs a code of its authenticator app. Send it with the mfaToken to POST /v1/identities/login/mfa.',
      { extensions: { mfaToken, expiresIn: this.parts.challengeTtlSeconds } },
    );
  }

  /**
   * The second step of a login: the mfaToken must be live, the code right (throttled); then the token
   * is used up, so neither can serve again. Answers whose login it is.
   */
  async complete(mfaToken: string, code: string, clientAddress: string): Promise<{ identityId: string; email: string }> {
    const tokens = new AccountTokenStore(this.parts.database.db);
    const challenge = await tokens.check(mfaToken, 'mfa', this.clock.now());
    await this.throttled({ identityId: challenge.identityId, clientAddress }, () => this.useCode(challenge.identityId, code));
    return tokens.redeem(mfaToken, 'mfa', this.clock.now());
  }

  /** Uses up a TOTP code (six digits) or a recovery code of the identity's active factor. */
  private async useCode(identityId: string, code: string): Promise<boolean> {
    const store = new MfaStore(this.parts.database.db);
    const now = this.clock.now();
    if (/^\d{6}$/.test(code)) {
      const totp = await store.totp(identityId);
      if (!totp?.confirmed) return false;
      const step = await totpTimeStep(totp.secret, code, totp.lastTimeStep, now);
      return step !== null && store.acceptTimeStep(identityId, step, null);
    }
    return store.useRecoveryCode(identityId, code, now);
  }

  private async throttled(caller: MfaCaller, check: () => Promise<boolean>): Promise<void> {
    const attempt = await this.parts.loginThrottle.take(`mfa:${caller.identityId}`, caller.clientAddress);
    if (!(await check())) throw new Problem('mfa_code_invalid', 'The code is wrong or was already used.');
    await attempt.succeeded();
  }
}

const alreadyEnabled = () => new Problem('conflict', 'A second factor is already active. Disable it first to enrol another.');
