import { type TSchema, Type } from 'typebox';
import { PROBLEMS, type ProblemCode } from '../errors.js';

/** RFC 9457 problem document; extension members (such as `errors`) are allowed. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URN naming the problem: urn:shoebox:problem:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong and what to do about it' }),
    code: Type.String({ description: 'Stable machine-readable code', enum: Object.keys(PROBLEMS) }),
    instance: Type.Optional(Type.String({ description: 'The request id' })),
  },
  { $id: 'Problem', title: 'Problem', additionalProperties: true, description: 'An error (RFC 9457 problem details)' },
);

/** A problem document inside another schema (one item's result of a batch). */
export const ProblemRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'Problem#' });

/** The response headers clients rely on, as the OpenAPI document describes them. */
export const RESPONSE_HEADERS = {
  ETag: { type: 'string', description: 'The version of what was answered, e.g. `"v3"`: send it back in If-Match or If-None-Match' },
  Location: { type: 'string', description: 'Where the created resource is read from' },
  'Idempotent-Replayed': {
    type: 'string',
    enum: ['true'],
    description: 'Present when this is the remembered answer to an earlier request with the same Idempotency-Key',
  },
  'Retry-After': { type: 'integer', minimum: 0, description: 'Seconds to wait before trying again' },
  'RateLimit-Limit': { type: 'integer', description: "The API key's limit in its current policy (burst or quota)" },
  'RateLimit-Remaining': { type: 'integer', description: 'Requests left before the limit refuses' },
  'RateLimit-Reset': { type: 'integer', description: 'Seconds until the limit is full again' },
} as const;

export type ResponseHeader = keyof typeof RESPONSE_HEADERS;

/**
 * A response schema that also documents headers it is sent with. @fastify/swagger reads `headers`
 * for the document; the serializer ignores the keyword.
 */
export const withHeaders = <T extends object>(schema: T, ...names: ResponseHeader[]): T =>
  names.length === 0 ? schema : ({ ...schema, headers: Object.fromEntries(names.map((name) => [name, RESPONSE_HEADERS[name]])) } as T);

/**
 * A success response: its schema, what it means (the response's description, kept apart from the
 * schema's own so a named schema reads the same everywhere), and the headers it comes with.
 */
export const answer = <T extends TSchema>(schema: T, description: string, ...headers: ResponseHeader[]): T =>
  withHeaders({ ...schema, 'x-response-description': description }, ...headers);

/** Problems that ask the client to wait, and say for how long. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** Documents the problems a route can answer, grouped by status, for the OpenAPI document. */
export function problemResponses(...codes: ProblemCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, problemResponse(status, list)]));
}

/** One status's problem response: an `application/problem+json` body, as the problem handler sends it. */
function problemResponse(status: number, codes: readonly ProblemCode[]): TSchema {
  const response = {
    description: `Problem: ${codes.join(', ')}`,
    content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
  };
  return Type.Unsafe(RETRY_AFTER_STATUSES.has(status) ? withHeaders(response, 'Retry-After') : response);
}

export const Timestamp = Type.String({ format: 'date-time' });
