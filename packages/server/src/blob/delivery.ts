import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../errors.js';
import { withHeaders } from '../http/schemas.js';
import { BlobChangedError, type BlobInfo, type BlobStore, type ByteRange, type CachePolicy, cacheControlFor } from './store.js';

/**
 * CDN-style delivery of one blob: validators, caching, conditional requests (RFC 9110 §13) and
 * single byte ranges (RFC 9110 §14). The planning is pure; `deliverBlob` applies it to a reply.
 */

export interface Conditions {
  readonly range?: string | undefined;
  readonly ifRange?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
}

export type DeliveryPlan = { readonly status: 200 } | { readonly status: 206; readonly range: ByteRange } | { readonly status: 304 };

/** What to answer for `info` given the request's conditional and range headers. */
export function planDelivery(info: BlobInfo, conditions: Conditions): DeliveryPlan {
  if (notModified(info, conditions)) return { status: 304 };
  if (conditions.range === undefined) return { status: 200 };
  // A Range is honoured only while the client's copy (If-Range) is still the current one.
  if (conditions.ifRange !== undefined && conditions.ifRange.trim() !== info.etag) return { status: 200 };
  const range = parseRange(conditions.range, info.size);
  if (range === 'ignore') return { status: 200 };
  if (range === 'unsatisfiable') {
    throw new Problem('range_not_satisfiable', `The object has ${info.size} bytes; ask for a range inside them.`, {
      headers: { 'content-range': `bytes */${info.size}` },
    });
  }
  return { status: 206, range };
}

function notModified(info: BlobInfo, conditions: Conditions): boolean {
  if (conditions.ifNoneMatch !== undefined) {
    // Weak comparison, as If-None-Match requires: W/"x" matches "x".
    const tags = conditions.ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(info.etag);
  }
  if (conditions.ifModifiedSince !== undefined) {
    const since = Date.parse(conditions.ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(info.lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * One `bytes=` range. Malformed headers and several ranges are ignored (the whole object is sent,
 * as RFC 9110 allows); a well-formed range that starts past the end is unsatisfiable.
 */
export function parseRange(header: string, size: number): ByteRange | 'ignore' | 'unsatisfiable' {
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match) return 'ignore';
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'ignore';
  if (first === '') {
    const suffix = Number(last);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return 'ignore';
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

const bytes = (description: string) =>
  withHeaders({ description, content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } }, 'ETag');

/** The OpenAPI responses of a delivery route, besides its problems. */
export const deliveryResponses = {
  200: bytes('The image'),
  206: bytes('The requested range of the image (Content-Range says which)'),
  304: withHeaders({ description: 'Not modified: your copy (If-None-Match / If-Modified-Since) is current', type: 'null' }, 'ETag'),
};

export interface DeliveryOptions {
  readonly contentType: string;
  readonly cache: CachePolicy;
  /** When the URL stops working; bounds how long a private response may be cached. */
  readonly expiresAt: Date;
}

/**
 * Sends a blob for GET or HEAD. The object is opened once, so the headers and the bytes describe
 * the same version even if it is replaced meanwhile. Headers make the response inert in a
 * browser: the declared image type only, no sniffing, and a sandbox if it is opened as a page.
 */
export async function deliverBlob(
  request: FastifyRequest,
  reply: FastifyReply,
  store: BlobStore,
  key: string,
  options: DeliveryOptions,
): Promise<FastifyReply> {
  const head = request.method === 'HEAD';
  const found = head ? await store.head(key).then((info) => info && { info, body: undefined }) : await store.get(key);
  if (!found) throw new Problem('not_found', 'There is no such photo. It may have been deleted.');
  const { info, body } = found;
  reply.headers({
    etag: info.etag,
    'last-modified': info.lastModified.toUTCString(),
    'cache-control': cacheControlFor(options.cache, options.expiresAt),
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    // Images are meant to be embedded by apps on other origins.
    'cross-origin-resource-policy': 'cross-origin',
  });
  let plan: DeliveryPlan;
  try {
    plan = planDelivery(info, headerValues(request));
  } catch (error) {
    body?.destroy();
    throw error;
  }
  if (plan.status === 304) {
    body?.destroy();
    return reply.status(304).send();
  }
  reply.type(options.contentType);
  if (plan.status === 200) {
    reply.header('content-length', info.size);
    return head ? reply.status(200).send() : reply.status(200).send(body);
  }
  body?.destroy();
  const { start, end } = plan.range;
  reply.status(206).headers({ 'content-range': `bytes ${start}-${end}/${info.size}`, 'content-length': end - start + 1 });
  if (head) return reply.send();
  const changed = () => new Problem('not_found', 'The photo changed or was deleted meanwhile. Retry.');
  const ranged = await store.get(key, { range: plan.range, ifMatch: info.etag }).catch((error) => {
    throw error instanceof BlobChangedError ? changed() : error;
  });
  if (!ranged) throw changed();
  return reply.send(ranged.body);
}

const headerValues = (request: FastifyRequest): Conditions => {
  const one = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  return {
    range: one('range'),
    ifRange: one('if-range'),
    ifNoneMatch: one('if-none-match'),
    ifModifiedSince: one('if-modified-since'),
  };
};
