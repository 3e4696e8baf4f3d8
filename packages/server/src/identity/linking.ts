import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { Problem } from '../errors.js';
import { newId } from '../shared/secrets.js';
import type { IdentityDataOwner } from './data-owners.js';
import { SessionStore } from './session-store.js';
import { type Identity, IdentityStore, type NewLogin } from './store.js';
import { disabledProblem } from './tokens.js';

/**
 * What to do when the login is already someone's:
 * - `sign-up`: refuse (409): signing up proves nothing about the existing account.
 * - `login`: use that identity; a presented guest merges into it. An unknown login makes a new identity.
 * - `existing`: like `login`, but the login must exist (password logins, checked before the transaction).
 */
export type LinkMode = 'sign-up' | 'login' | 'existing';

export interface LinkOutcome {
  readonly identityId: string;
  /** The guest identity that was merged into `identityId`, if any. */
  readonly mergedFrom: string | null;
}

/**
 * Cognito's linking rules, run inside one transaction: a login presented together with a guest's
 * token links to that guest, which becomes authenticated and keeps its id and data; a login that
 * already belongs to another identity absorbs the guest (its data moves, it is disabled); a login
 * never belongs to two identities, and an authenticated identity is never merged away.
 */
export class LoginLinker {
  constructor(private readonly owners: readonly IdentityDataOwner[]) {}

  async link(trx: Kysely<Tables>, login: NewLogin, callerId: string | null, mode: LinkMode, now: number): Promise<LinkOutcome> {
    const identities = new IdentityStore(trx);
    const caller = callerId === null ? undefined : await mustBeActive(identities, callerId);
    const existing = await identities.findLogin(login.issuer, login.subject);
    if (existing) return this.useExisting(trx, existing.identityId, caller, mode, now);
    if (mode === 'existing') throw new Problem('invalid_credentials', 'The email or password is wrong.');

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
    for (const dataOwner of this.owners) await dataOwner.moveData(trx, caller.id, owner.id);
    await identities.disable(caller.id, now, owner.id);
    await new SessionStore(trx).revokeSessionsOf(caller.id, now, 'merged');
    return { identityId: owner.id, mergedFrom: caller.id };
  }
}

async function mustBeActive(identities: IdentityStore, id: string): Promise<Identity> {
  const identity = await identities.find(id);
  if (!identity) throw new Problem('identity_deleted', 'This identity was deleted.');
  if (identity.disabledAt) throw disabledProblem(identity.mergedInto);
  return identity;
}
