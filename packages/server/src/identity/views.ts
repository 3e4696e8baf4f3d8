import type { IdentityView } from './service.js';

/** The public JSON shape of an identity, shared by /v1/identities/me, the admin API and the CLI. */
export const identityJson = (identity: IdentityView) => ({
  identityId: identity.id,
  kind: identity.kind,
  state: identity.disabledAt ? ('disabled' as const) : ('active' as const),
  createdAt: identity.createdAt.toISOString(),
  disabledAt: identity.disabledAt?.toISOString() ?? null,
  mergedInto: identity.mergedInto,
  emailVerified: identity.logins.some((login) => login.emailVerified),
  logins: identity.logins.map((login) => ({ provider: login.provider, subject: login.subject, linkedAt: login.linkedAt.toISOString() })),
});
