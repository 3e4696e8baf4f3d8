import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import { newId } from '../shared/secrets.js';
import type { IdentityDataOwner } from './data-owners.js';
import type { IdentityLocks } from './owner-locks.js';
import { SessionStore } from './session-store.js';
import { deletedProblem, disabledProblem } from './sessions.js';
import { type Identity, IdentityStore, type NewLogin } from './store.js';

/**
 * What to do when the login is already someone's:
 * - `sign-up`: refuse (409): signing up proves nothing about the existing account.
 * - `login`: use that identity; a presented guest merges into it. An unknown login makes a new identity.
 * - `existing`: like `login`, but the login must exist (password logins, checked before the transaction).
 */
export type LinkMode = 'sign-up' | 'login' | 'existing';

/**
 * Who presents a login besides the login itself: an identity's session (the bearer token sent with
 * it), or the app's backend through the admin API, which vouches for the identity it names.
 */
export type LinkCaller =
  | { readonly identityId: string; readonly sessionId: string }
  | { readonly identityId: string; readonly vouched: true };

export interface LinkOutcome {
  readonly identityId: string;
  /** The guest identity that was merged into `identityId`, if any. */
  readonly mergedFrom: string | null;
}

/**
 * Cognito's linking rules, run inside one transaction: a login presented together with a guest's
 * token links to that guest, which becomes authenticated and keeps its id and data; a login that
 * already belongs to another identity absorbs the guest (its data moves, it is disabled); a login
 * never belongs to two identities, and an authenticated identity is never merged away. Adding a
 * login to an authenticated identity takes a recent login of its own (see requireRecentLogin).
 */
export class LoginLinker {
  constructor(
    private readonly owners: readonly IdentityDataOwner[],
    private readonly locks: IdentityLocks,
    /** How recent the login of the caller's session must be to add a login to an authenticated identity. */
    private readonly reauthWindowSeconds: number,
  ) {}

  async link(trx: Kysely<Tables>, login: NewLogin, presenter: LinkCaller | null, mode: LinkMode, now: number): Promise<LinkOutcome> {
    const identities = new IdentityStore(trx);
    const caller = presenter === null ? undefined : await mustBeActive(identities, presenter.identityId);
    const existing = await identities.findLogin(login.issuer, login.subject);
    if (existing) return this.useExisting(trx, existing.identityId, caller, mode, now);
    if (mode === 'existing') throw new Problem('invalid_credentials', 'The email or password is wrong.');
    if (presenter !== null && caller?.kind === 'authenticated') await this.requireRecentLogin(trx, presenter, now);

    const target = caller?.id ?? newId('id');
    if (!caller) await identities.insert({ id: target, kind: 'authenticated', createdAt: now });
    if (await identities.insertLogin(target, login, now)) {
      if (caller?.kind === 'guest') await identities.markAuthenticated(caller.id);
      return { identityId: target, mergedFrom: null };
    }
    // Refused by a key: either a concurrent request linked this login first, or the caller
    // already has a login of this provider.
    if (!caller) await identities.delete(target);
    const winner = await identities.findLogin(login.issuer, login.subject);
    if (winner) return this.useExisting(trx, winner.identityId, caller, mode, now);
    throw new Problem(
      'provider_already_linked',
      `This identity already has a ${login.provider} login; an identity has one login per provider. Use that one.`,
    );
  }

  /**
   * A login added to an authenticated identity is a lasting way into it, and outlives logout: a
   * bearer token alone (perhaps stolen, and valid for minutes) must not add one. Its session must
   * have been opened by a login within the window; a refresh does not count. Guests need no such
   * proof (they have no login to protect), and the app's backend vouches for what it names.
   */
  private async requireRecentLogin(trx: Kysely<Tables>, presenter: LinkCaller, now: number): Promise<void> {
    if (!('sessionId' in presenter)) return;
    const loggedInAt = await new SessionStore(trx).loggedInAt(presenter.sessionId);
    if (loggedInAt !== null && now - loggedInAt <= this.reauthWindowSeconds * 1000) return;
    throw new Problem(
      'reauthentication_required',
      `Adding a login to this identity needs a recent login: log in again with one of its logins, then retry within ${this.reauthWindowSeconds} seconds with the new access token.`,
    );
  }

  private async useExisting(
    trx: Kysely<Tables>,
    ownerId: string,
    caller: Identity | undefined,
    mode: LinkMode,
    now: number,
  ): Promise<LinkOutcome> {
    if (mode === 'sign-up') throw new Problem('email_taken', 'An account with this email exists. Log in with it instead.');
    const identities = new IdentityStore(trx);
    const owner = await mustBeActive(identities, ownerId);
    if (!caller || caller.id === owner.id) return { identityId: owner.id, mergedFrom: null };
    if (caller.kind !== 'guest') {
      throw new Problem(
        'login_taken',
        'This login belongs to another identity, and an authenticated identity is never merged. Log out first to use that login.',
      );
    }
    // The guest's own writes in flight commit before its data moves, or find it merged; and the
    // identity receiving the data cannot be deleted meanwhile (owner-locks.ts).
    await this.locks.exclude(trx, caller.id);
    await this.locks.holdOwner(trx, owner.id);
    for (const dataOwner of this.owners) await dataOwner.moveData(trx, caller.id, owner.id);
    await identities.disable(caller.id, now, owner.id);
    await new SessionStore(trx).revokeSessionsOf(caller.id, now, 'merged');
    return { identityId: owner.id, mergedFrom: caller.id };
  }
}

async function mustBeActive(identities: IdentityStore, id: string): Promise<Identity> {
  const identity = await identities.find(id);
  if (!identity) throw deletedProblem();
  if (identity.disabledAt) throw disabledProblem(identity.mergedInto);
  return identity;
}
