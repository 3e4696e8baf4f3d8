import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * Every method the API and the signed blob URLs answer. @fastify/cors allows only GET, HEAD and
 * POST unless told, which left web apps unable to replace, edit or delete a note or to upload a photo.
 */
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Response headers a web app's script may read besides the CORS-safelisted ones: everything Shoebox
 * tells a client to act on (rate limits, retries, versions for If-Match, where a note was created,
 * replayed creates, byte ranges of blobs).
 */
const exposedHeaders = [
  'x-request-id',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'retry-after',
  'etag',
  'location',
  'idempotent-replayed',
  'accept-ranges',
  'content-range',
];

/**
 * How long a browser may reuse a preflight's answer, in seconds. Without it Chromium keeps one for
 * 5 s, so a web app would pay an extra round trip for nearly every call that sends an API key.
 * Browsers cap it themselves (Chromium at 2 hours).
 */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Lets web apps on `origins` (or any origin, with `*`) call the API and the blob URLs. Without
 * origins there is no CORS at all and browsers keep other origins out. Request headers are not
 * listed: a preflight gets back the ones it asks for (x-api-key, authorization, if-match…).
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.includes('*') ? true : [...origins],
    methods,
    exposedHeaders,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
}
