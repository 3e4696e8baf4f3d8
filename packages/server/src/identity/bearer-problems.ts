import type { ProblemCode } from '../errors.js';
import { problemResponses } from '../http/schemas.js';
import { GATEWAY_PROBLEM_CODES } from '../keys/gateway-problems.js';

/** What the identity guard can answer, besides the gateway's problems. */
export const IDENTITY_PROBLEM_CODES = [
  'access_token_missing',
  'access_token_malformed',
  'access_token_unsigned',
  'access_token_algorithm_refused',
  'access_token_key_unknown',
  'access_token_signature_invalid',
  'access_token_issuer_invalid',
  'access_token_audience_invalid',
  'access_token_expired',
  'access_token_not_yet_valid',
  'access_token_type_invalid',
  'access_token_is_refresh_token',
  'session_revoked',
  'identity_deleted',
  'identity_disabled',
] as const satisfies readonly ProblemCode[];

/**
 * Responses for a /v1 route behind the gateway and the identity guard, plus the route's own
 * problems. One call, because spreading two response maps would overwrite statuses both use.
 */
export const identityRouteProblems = (...codes: ProblemCode[]) =>
  problemResponses(...GATEWAY_PROBLEM_CODES, ...IDENTITY_PROBLEM_CODES, ...codes);

/** Responses for a /v1 route behind the gateway only, plus the route's own problems. */
export const gatewayRouteProblems = (...codes: ProblemCode[]) => problemResponses(...GATEWAY_PROBLEM_CODES, ...codes);

/** OpenAPI security of routes that act as an identity. */
export const identitySecurity = [{ apiKey: [], identityToken: [] }];
