import { problemResponses } from '../http/schemas.js';

/** The problems every /v1 route can answer because of the gateway; spread into each route's responses. */
export const gatewayProblems = problemResponses('api_key_missing', 'api_key_invalid', 'bad_header', 'rate_limited', 'quota_exceeded');
