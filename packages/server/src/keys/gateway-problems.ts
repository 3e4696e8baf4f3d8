import type { ProblemCode } from '../errors.js';
import { problemResponses } from '../http/schemas.js';

/** The problems every /v1 route can answer because of the gateway. */
export const GATEWAY_PROBLEM_CODES = [
  'api_key_missing',
  'api_key_invalid',
  'bad_header',
  'rate_limited',
  'quota_exceeded',
] as const satisfies readonly ProblemCode[];

/** Spread into the responses of a route that adds no problem of the same status. */
export const gatewayProblems = problemResponses(...GATEWAY_PROBLEM_CODES);
