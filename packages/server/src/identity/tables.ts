export type IdentityKind = 'guest' | 'authenticated';

export interface IdentityTables {
  identities: {
    id: string;
    /** A guest has no login yet; linking the first login makes it authenticated. */
    kind: IdentityKind;
    created_at: number;
    disabled_at: number | null;
    /** Set when a guest was merged into another identity (and disabled). */
    merged_into: string | null;
  };
  /** A login belongs to one identity: the primary key is the login itself. */
  identity_logins: {
    /** The OIDC issuer, or `shoebox:password` / `shoebox:developer` for built-in providers. */
    issuer: string;
    /** The OIDC `sub`, the normalised email, or the developer's user id. */
    subject: string;
    /** The provider name apps use: "password", "developer" or a configured OIDC provider. */
    provider: string;
    identity_id: string;
    /** For password logins only: the scrypt hash with its parameters. */
    password_hash: string | null;
    created_at: number;
    /** For password logins: when the owner proved the email theirs (a verification or reset link). */
    email_verified_at: number | null;
  };
  /**
   * Single-use tokens mailed to prove control of an address: verification, password reset, email
   * change. Stored as SHA-256 (256 random bits each); `email` is the address the token was sent to.
   */
  account_tokens: {
    token_hash: string;
    /** `mfa`: the second step of a password login, held by the client between the two steps. */
    purpose: 'verify' | 'reset' | 'email-change' | 'mfa';
    identity_id: string;
    email: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** A refresh-token family: one sign-in on one device. Revoking it ends every token of the family. */
  identity_sessions: {
    id: string;
    identity_id: string;
    created_at: number;
    /** When a login opened it; null for a guest's session. Adding a login to an authenticated identity needs a recent one. */
    logged_in_at: number | null;
    revoked_at: number | null;
    revoked_reason: string | null;
  };
  /** A TOTP second factor (RFC 6238); active once confirmed with a first code. */
  identity_totp: {
    identity_id: string;
    /** Base32, as authenticator apps take it; it must be read to check codes, so it cannot be hashed. */
    secret: string;
    created_at: number;
    confirmed_at: number | null;
    /** The time step of the last code accepted: a code works once (codes of earlier steps are refused too). */
    last_time_step: number | null;
  };
  /** Single-use recovery codes of a second factor, stored as SHA-256. */
  mfa_recovery_codes: {
    code_hash: string;
    identity_id: string;
    used_at: number | null;
  };
  refresh_tokens: {
    /** SHA-256 of the token: tokens carry 256 random bits, so a fast hash is enough. */
    token_hash: string;
    session_id: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** Server secrets shared by every process; private like signing keys, never logged. */
  identity_secrets: {
    name: string;
    /** 256 random bits, base64url. */
    secret: string;
    created_at: number;
  };
  signing_keys: {
    kid: string;
    algorithm: string;
    public_jwk: string;
    /** Private key material: never leaves the identity service, never logged. */
    private_jwk: string;
    created_at: number;
    /** When it stopped signing; null for the current key. */
    retired_at: number | null;
    /** After this, no token it signed can still be valid: it leaves the JWKS. */
    verify_until: number | null;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends IdentityTables {}
}
