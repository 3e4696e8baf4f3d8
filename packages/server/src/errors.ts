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
  api_key_missing: { status: 401, title: 'An API key is required' },
  admin_token_required: { status: 401, title: 'An admin bearer token is required' },
  api_key_invalid: { status: 403, title: 'The API key is not valid' },
  admin_token_invalid: { status: 403, title: 'The admin token is not valid' },
  signed_url_invalid: { status: 403, title: 'The signed URL is not valid' },
  signed_url_expired: { status: 403, title: 'The signed URL has expired' },
  signed_url_used: { status: 403, title: 'The signed URL has already been used' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such route' },
  conflict: { status: 409, title: 'Conflict' },
  upload_missing: { status: 409, title: 'The upload has not arrived' },
  precondition_failed: { status: 412, title: 'The resource changed' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  storage_quota_exceeded: { status: 413, title: 'Storage quota exhausted' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  range_not_satisfiable: { status: 416, title: 'The requested range is outside the object' },
  rate_limited: { status: 429, title: 'Too many requests' },
  quota_exceeded: { status: 429, title: 'Usage quota exhausted' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
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
