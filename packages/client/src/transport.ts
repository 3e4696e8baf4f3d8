import { abortError, type ProblemDocument, ShoeboxError } from './errors.js';

/** How the client retries. Idempotent calls retry on network errors and 5xx; any call retries a 429 it may wait for. */
export interface RetryPolicy {
  /** Further attempts after the first (default 3). */
  readonly retries: number;
  /** First backoff; doubled each attempt, with jitter (default 250 ms). */
  readonly baseDelayMs: number;
  /** Longest backoff between two attempts (default 5 s). */
  readonly maxDelayMs: number;
  /** Longest `Retry-After` a 429 is waited for; a longer one is thrown at once (default 30 s). */
  readonly maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 5000, maxRetryAfterSeconds: 30 };

export interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, string | number | undefined>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Safe to send again when the first answer was lost (GET, PUT and DELETE are, unless said otherwise). */
  readonly idempotent?: boolean;
  readonly signal?: AbortSignal | undefined;
}

export interface Answer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Sends calls to one Shoebox with its API key: retries, backoff and problems as ShoeboxErrors. */
export class Transport {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
    readonly fetch: Fetch,
    readonly retry: RetryPolicy,
  ) {}

  async send<T>(call: Call, bearer?: string): Promise<Answer<T>> {
    const idempotent = call.idempotent ?? call.method !== 'POST';
    const init = this.init(call, bearer);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(this.url(call), init);
      } catch (cause) {
        if (call.signal?.aborted) throw abortError(call.signal, cause);
        if (idempotent && attempt < this.retry.retries) {
          await sleep(this.backoff(attempt), call.signal);
          continue;
        }
        throw new ShoeboxError('network_error', `Shoebox at ${this.baseUrl} could not be reached`, { cause });
      }
      if (response.ok || response.status === 304)
        return { status: response.status, headers: response.headers, body: await bodyOf<T>(response) };
      const error = await problemOf(response);
      const wait = this.waitBeforeRetry(error, idempotent, attempt);
      if (wait === undefined) throw error;
      await sleep(wait, call.signal);
    }
  }

  /**
   * Sends a call once and answers the response with its body unread, for a body read as it
   * arrives (the realtime stream). No retries: the caller reconnects as it sees fit. A refusal
   * throws its ShoeboxError, no answer a `network_error`.
   */
  async open(call: Call, bearer?: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetch(this.url(call), this.init(call, bearer));
    } catch (cause) {
      if (call.signal?.aborted) throw abortError(call.signal, cause);
      throw new ShoeboxError('network_error', `Shoebox at ${this.baseUrl} could not be reached`, { cause });
    }
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  private init(call: Call, bearer: string | undefined): RequestInit {
    return {
      method: call.method,
      headers: {
        'x-api-key': this.apiKey,
        ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }),
        ...(call.body !== undefined && { 'content-type': 'application/json' }),
        ...call.headers,
      },
      ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
      ...(call.signal && { signal: call.signal }),
    };
  }

  url(call: Pick<Call, 'path' | 'query'>): string {
    // Relative to the base URL, so a Shoebox behind a path prefix (https://host/shoebox/) keeps it.
    const url = new URL(call.path.replace(/^\//, ''), this.baseUrl);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    return url.toString();
  }

  /** How long to wait before sending `error`'s call again, or undefined to give up. */
  private waitBeforeRetry(error: ShoeboxError, idempotent: boolean, attempt: number): number | undefined {
    if (attempt >= this.retry.retries) return undefined;
    // A 429 was refused before any work was done: any call may be sent again, if the wait is bearable.
    if (error.status === 429) {
      return error.retryAfter !== undefined && error.retryAfter <= this.retry.maxRetryAfterSeconds ? error.retryAfter * 1000 : undefined;
    }
    if (error.status >= 500 && idempotent) return Math.max(this.backoff(attempt), (error.retryAfter ?? 0) * 1000);
    return undefined;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

async function bodyOf<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ShoeboxError('invalid_response', `The answer to ${response.url} is not JSON`, { status: response.status, cause });
  }
}

/** The ShoeboxError for a refused call: the problem document when the answer is one, its status otherwise. */
export async function problemOf(response: Response): Promise<ShoeboxError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const retryAfter = retryAfterOf(response.headers.get('retry-after'));
  const common = { status: response.status, ...(requestId && { requestId }), ...(retryAfter !== undefined && { retryAfter }) };
  const text = await response.text().catch(() => '');
  let problem: ProblemDocument | undefined;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed?.code === 'string') problem = parsed;
  } catch {
    // Not a problem document: a proxy's page, or S3's XML.
  }
  if (!problem) return new ShoeboxError(`http_${response.status}`, `HTTP ${response.status} from ${response.url}`, common);
  return new ShoeboxError(problem.code, problem.detail ?? problem.title, { ...common, problem });
}

/** Seconds, from either form RFC 9110 allows: a number of seconds or an HTTP date. */
function retryAfterOf(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
