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
  { $id: 'Problem', additionalProperties: true, description: 'An error (RFC 9457 problem details)' },
);

/** A problem document inside another schema (one item's result of a batch). */
export const ProblemRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'Problem#' });

/** Documents the problems a route can answer, grouped by status, for the OpenAPI document. */
export function problemResponses(...codes: ProblemCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [status, Type.Unsafe({ $ref: 'Problem#', description: `Problem: ${list.join(', ')}` })]),
  );
}

export const Timestamp = Type.String({ format: 'date-time' });
