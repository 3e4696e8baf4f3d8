import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import { HotQuery } from '../db/hot-query.js';
import type { IdentityKind } from './tables.js';

export interface Login {
  readonly provider: string;
  readonly issuer: string;
  readonly subject: string;
  readonly linkedAt: Date;
  /** For a password login: whether its email was proven. */
  readonly emailVerified: boolean;
}

export interface Identity {
  readonly id: string;
  readonly kind: IdentityKind;
  readonly createdAt: Date;
  readonly disabledAt: Date | null;
  readonly mergedInto: string | null;
}

export interface StoredLogin {
  readonly identityId: string;
  readonly passwordHash: string | null;
}

export interface NewLogin {
  readonly issuer: string;
  readonly subject: string;
  readonly provider: string;
  readonly passwordHash: string | null;
}

export interface ListQuery {
  readonly limit: number;
  /** Continue after this (createdAt, id) position. */
  readonly after: { createdAt: number; id: string } | undefined;
}

/**
 * Identities and their logins. Every method runs on whatever it was built with (the database or
 * a transaction), so the service composes them into one transaction where it must.
 */
export class IdentityStore {
  /** `find` and `logins` serve every GET /v1/identities/me. */
  private readonly findQuery: HotQuery<[id: string], IdentityRow>;
  private readonly loginsQuery: HotQuery<[identityId: string], LoginRow>;

  constructor(private readonly db: Kysely<Tables>) {
    this.findQuery = new HotQuery(db, 1, (query: Kysely<Tables>, id) => query.selectFrom('identities').selectAll().where('id', '=', id));
    this.loginsQuery = new HotQuery(db, 1, (query: Kysely<Tables>, identityId) =>
      query
        .selectFrom('identity_logins')
        .select(['identity_id', 'provider', 'issuer', 'subject', 'created_at', 'email_verified_at'])
        .where('identity_id', '=', identityId)
        .orderBy('created_at')
        .orderBy('provider'),
    );
  }

  async insert(identity: { id: string; kind: IdentityKind; createdAt: number }): Promise<void> {
    await this.db
      .insertInto('identities')
      .values({ id: identity.id, kind: identity.kind, created_at: identity.createdAt, disabled_at: null, merged_into: null })
      .execute();
  }

  async find(id: string): Promise<Identity | undefined> {
    const [row] = await this.findQuery.execute(id);
    return row && toIdentity(row);
  }

  async logins(identityId: string): Promise<Login[]> {
    return (await this.loginsQuery.execute(identityId)).map(toLogin);
  }

  async list(query: ListQuery): Promise<Identity[]> {
    let select = this.db.selectFrom('identities').selectAll();
    if (query.after) {
      const { createdAt, id } = query.after;
      select = select.where((eb) =>
        eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]),
      );
    }
    const rows = await select.orderBy('created_at').orderBy('id').limit(query.limit).execute();
    return rows.map(toIdentity);
  }

  async loginsOf(identityIds: readonly string[]): Promise<Map<string, Login[]>> {
    const byIdentity = new Map<string, Login[]>(identityIds.map((id) => [id, []]));
    if (identityIds.length === 0) return byIdentity;
    const rows = await this.db
      .selectFrom('identity_logins')
      .select(['identity_id', 'provider', 'issuer', 'subject', 'created_at', 'email_verified_at'])
      .where('identity_id', 'in', identityIds)
      .orderBy('created_at')
      .orderBy('provider')
      .execute();
    for (const row of rows) byIdentity.get(row.identity_id)?.push(toLogin(row));
    return byIdentity;
  }

  async findLogin(issuer: string, subject: string): Promise<StoredLogin | undefined> {
    const row = await this.db
      .selectFrom('identity_logins')
      .select(['identity_id', 'password_hash'])
      .where('issuer', '=', issuer)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row && { identityId: row.identity_id, passwordHash: row.password_hash };
  }

  /**
   * Links a login to an identity unless the login already belongs to one, or the identity already
   * has a login of this provider; false then. The primary key decides between concurrent linkers.
   */
  async insertLogin(identityId: string, login: NewLogin, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('identity_logins')
      .values({
        issuer: login.issuer,
        subject: login.subject,
        provider: login.provider,
        identity_id: identityId,
        password_hash: login.passwordHash,
        created_at: now,
        email_verified_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async markAuthenticated(id: string): Promise<void> {
    await this.db.updateTable('identities').set({ kind: 'authenticated' }).where('id', '=', id).execute();
  }

  /** Idempotent: a disabled identity keeps its first disable time. */
  async disable(id: string, now: number, mergedInto: string | null = null): Promise<void> {
    await this.db
      .updateTable('identities')
      .set({ disabled_at: now, ...(mergedInto !== null && { merged_into: mergedInto }) })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .execute();
  }

  async enable(id: string): Promise<void> {
    await this.db.updateTable('identities').set({ disabled_at: null }).where('id', '=', id).execute();
  }

  /**
   * Guests created before `cutoff` whose sessions got no refresh token since (an app in use
   * refreshes every few minutes): the ones a guest lifetime removes. Merged guests go with the
   * identity they were merged into.
   */
  async inactiveGuests(cutoff: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('identities as i')
      .select('i.id')
      .where('i.kind', '=', 'guest')
      .where('i.merged_into', 'is', null)
      .where('i.created_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('identity_sessions as s')
              .innerJoin('refresh_tokens as t', 't.session_id', 's.id')
              .select('s.id')
              .whereRef('s.identity_id', '=', 'i.id')
              .where('t.created_at', '>=', cutoff),
          ),
        ),
      )
      .orderBy('i.created_at')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Deletes the identity, its logins and sessions (by cascade), and the empty guests merged into it. */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('identities').where('merged_into', '=', id).execute();
    await this.db.deleteFrom('identities').where('id', '=', id).execute();
  }
}

export type IdentityRow = Tables['identities'];
type LoginRow = Pick<Tables['identity_logins'], 'identity_id' | 'provider' | 'issuer' | 'subject' | 'created_at' | 'email_verified_at'>;

const toLogin = (row: LoginRow): Login => ({
  provider: row.provider,
  issuer: row.issuer,
  subject: row.subject,
  linkedAt: new Date(Number(row.created_at)),
  emailVerified: row.email_verified_at !== null,
});

export function toIdentity(row: IdentityRow): Identity {
  return {
    id: row.id,
    kind: row.kind,
    createdAt: new Date(Number(row.created_at)),
    disabledAt: row.disabled_at === null ? null : new Date(Number(row.disabled_at)),
    mergedInto: row.merged_into,
  };
}
