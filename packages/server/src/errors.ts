/**
 * The closed set of problems Shoebox answers with. Each has a stable `code` (part of the public
 * API: SDKs branch on it), an HTTP status and a title. Services throw `Problem`s; the HTTP layer
 * renders them as RFC 9457 `application/problem+json` in one place (http/problem-handler.ts).
 * Anything that is not a Problem is an internal error: logged, never shown.
 */
export const PROBLEMS = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  upload_incomplete: { status: 400, title: 'The upload ended before the declared length' },
  malformed_body: { status: 400, title: 'The request body could not be parsed' },
  bad_header: { status: 400, title: 'A request header has a bad value' },
  provider_unknown: { status: 400, title: 'No such login provider' },
  account_token_invalid: { status: 400, title: 'The link or code is not valid or was already used' },
  account_token_expired: { status: 400, title: 'The link or code has expired' },
  mfa_code_invalid: { status: 400, title: 'The second-factor code is wrong' },
  api_key_missing: { status: 401, title: 'An API key is required' },
  admin_token_required: { status: 401, title: 'An admin bearer token is required' },
  access_token_missing: { status: 401, title: 'An identity access token is required' },
  access_token_malformed: { status: 401, title: 'The access token is not a well-formed JWT' },
  access_token_unsigned: { status: 401, title: 'Unsigned access tokens (alg "none") are refused' },
  access_token_algorithm_refused: { status: 401, title: "The access token's signing algorithm is refused" },
  access_token_key_unknown: { status: 401, title: 'The access token names a signing key this server does not have' },
  access_token_signature_invalid: { status: 401, title: "The access token's signature does not verify" },
  access_token_issuer_invalid: { status: 401, title: 'The access token was issued by someone else' },
  access_token_audience_invalid: { status: 401, title: 'The access token is meant for another audience' },
  access_token_expired: { status: 401, title: 'The access token has expired' },
  access_token_not_yet_valid: { status: 401, title: 'The access token is not valid yet' },
  access_token_type_invalid: { status: 401, title: 'The token is not an access token' },
  access_token_is_refresh_token: { status: 401, title: 'A refresh token was sent where an access token belongs' },
  session_revoked: { status: 401, title: 'The session was signed out or revoked' },
  identity_deleted: { status: 401, title: 'The identity no longer exists' },
  refresh_token_invalid: { status: 401, title: 'The refresh token is not valid' },
  refresh_token_is_access_token: { status: 401, title: 'An access token was sent where a refresh token belongs' },
  refresh_token_expired: { status: 401, title: 'The refresh token has expired' },
  refresh_token_reused: { status: 401, title: 'The refresh token was already used; its session is revoked' },
  refresh_token_revoked: { status: 401, title: 'The refresh token was revoked' },
  invalid_credentials: { status: 401, title: 'The email or password is wrong' },
  mfa_required: { status: 401, title: 'A second factor is required to finish this login' },
  mfa_token_invalid: { status: 401, title: 'The mfaToken is not valid, was used or has expired' },
  id_token_malformed: { status: 401, title: 'The ID token is not a well-formed JWT' },
  id_token_unsigned: { status: 401, title: 'Unsigned ID tokens (alg "none") are refused' },
  id_token_algorithm_refused: { status: 401, title: "The ID token's signing algorithm is refused" },
  id_token_key_unknown: { status: 401, title: "The ID token names a key the provider's JWKS does not have" },
  id_token_signature_invalid: { status: 401, title: "The ID token's signature does not verify" },
  id_token_issuer_invalid: { status: 401, title: 'The ID token was issued by another issuer' },
  id_token_audience_invalid: { status: 401, title: 'The ID token is meant for another client' },
  id_token_expired: { status: 401, title: 'The ID token has expired' },
  id_token_not_yet_valid: { status: 401, title: 'The ID token is not valid yet' },
  id_token_nonce_invalid: { status: 401, title: "The ID token's nonce does not match the one sent" },
  api_key_invalid: { status: 403, title: 'The API key is not valid' },
  admin_token_invalid: { status: 403, title: 'The admin token is not valid' },
  identity_disabled: { status: 403, title: 'The identity is disabled' },
  guest_not_allowed: { status: 403, title: 'Guests may not do this; sign up first' },
  reauthentication_required: { status: 403, title: 'A recent login is required' },
  email_not_verified: { status: 403, title: 'The email must be verified first' },
  signed_url_invalid: { status: 403, title: 'The signed URL is not valid' },
  signed_url_expired: { status: 403, title: 'The signed URL has expired' },
  signed_url_used: { status: 403, title: 'The signed URL has already been used' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such route' },
  conflict: { status: 409, title: 'Conflict' },
  upload_missing: { status: 409, title: 'The upload has not arrived' },
  note_id_taken: { status: 409, title: 'The note id is already in use' },
  email_taken: { status: 409, title: 'An account with this email exists' },
  login_taken: { status: 409, title: 'The login belongs to another identity' },
  provider_already_linked: { status: 409, title: 'The identity already has a login with this provider' },
  cursor_expired: { status: 410, title: 'The cursor is older than the retained changes: synchronise in full' },
  precondition_failed: { status: 412, title: 'The resource changed' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  storage_quota_exceeded: { status: 413, title: 'Storage quota exhausted' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  range_not_satisfiable: { status: 416, title: 'The requested range is outside the object' },
  idempotency_key_reused: { status: 422, title: 'The idempotency key was used for another request' },
  rate_limited: { status: 429, title: 'Too many requests' },
  quota_exceeded: { status: 429, title: 'Usage quota exhausted' },
  login_throttled: { status: 429, title: 'Too many failed logins' },
  guest_creation_throttled: { status: 429, title: 'Too many guest identities from this address' },
  mail_throttled: { status: 429, title: 'Too many messages for this email or from this address' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
  oidc_provider_unavailable: { status: 503, title: "The login provider's keys could not be fetched" },
  mail_not_configured: { status: 503, title: 'This server sends no mail' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemOptions {
  /** Response headers that belong to the problem, such as `Retry-After`. */
  headers?: Record<string, string>;
  /** Extension members added to the problem document (RFC 9457 section 3.2). */
  extensions?: Record<string, unknown>;
}

export class Problem extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: ProblemOptions = {},
  ) {
    super(detail);
    this.status = PROBLEMS[code].status;
    this.title = PROBLEMS[code].title;
  }
}

export const problemType = (code: ProblemCode): string => `urn:shoebox:problem:${code}`;
