/**
 * Whether an error from a query means the database cannot serve right now, rather than that the
 * query or the code is wrong: a request failing so answers 503 with Retry-After (the client may
 * try again shortly), not 500. Covers what pg reports when every pooled connection stays busy
 * past the pool's timeout, when a connection cannot be made, and when the server goes away or
 * refuses work (shutdown, too many connections).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableSqlState(code))) return true;
  return PG_MESSAGES.some((pattern) => pattern.test(error.message));
}

/**
 * Node's codes for a connection that could not be made or was cut. They may come from the blob
 * store's client as well: just as transient, and answered the same way.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that cannot take the work now: class 08 (connection exception),
 * 53300 too_many_connections, 57P01–57P03 admin_shutdown, crash_shutdown, cannot_connect_now.
 */
const isUnavailableSqlState = (code: string): boolean => /^(08[0-9A-Z]{3}|53300|57P0[1-3])$/.test(code);

/** pg and pg-pool raise these without a code (pg 8, pg-pool 3). */
const PG_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /^Client has encountered a connection error and is not queryable$/,
];
