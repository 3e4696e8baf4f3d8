/** An RFC 9457 problem document as Shoebox answers it; `code` is stable and documented. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

/**
 * Every failure the client reports: a problem the server answered (`code` from its closed set,
 * e.g. `rate_limited`, `precondition_failed`), or one of the client's own codes: `network_error`
 * (no answer), `aborted` (the caller's signal), `invalid_response` (an answer that is not
 * Shoebox's), `photo_failed` (processing failed; see the message).
 */
export class ShoeboxError extends Error {
  override readonly name: string = 'ShoeboxError';
  readonly code: string;
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
  /** The server's request id, to quote when asking an operator. */
  readonly requestId: string | undefined;
  /** Seconds the server asked to wait before trying again (429, 503). */
  readonly retryAfter: number | undefined;
  readonly problem: ProblemDocument | undefined;

  constructor(
    code: string,
    message: string,
    options: { status?: number; requestId?: string; retryAfter?: number; problem?: ProblemDocument; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 0;
    this.requestId = options.requestId;
    this.retryAfter = options.retryAfter;
    this.problem = options.problem;
  }
}

/**
 * An update with `ifMatch` found the note changed since that version (412). `current` is the
 * note as it is now, read after the refusal, so the app can merge and try again.
 */
export class ConflictError<Current = unknown> extends ShoeboxError {
  override readonly name = 'ConflictError';
  constructor(
    cause: ShoeboxError,
    readonly current: Current | undefined,
  ) {
    super(cause.code, cause.message, {
      status: cause.status,
      ...(cause.requestId !== undefined && { requestId: cause.requestId }),
      ...(cause.problem !== undefined && { problem: cause.problem }),
      cause,
    });
  }
}

export const isAbort = (error: unknown): boolean =>
  (error instanceof ShoeboxError && error.code === 'aborted') || (error instanceof Error && error.name === 'AbortError');

export const abortError = (signal: AbortSignal | undefined, cause?: unknown) =>
  new ShoeboxError('aborted', 'The call was cancelled', { cause: signal?.reason ?? cause });
