import { isDeepStrictEqual } from 'node:util';
import { RESPONSE_HEADERS, type ResponseHeader } from './schemas.js';

/*
 * What @fastify/swagger leaves for the whole document rather than for one route: names for the
 * shared schemas, the answers every operation can give, and the headers the gateway adds. Code
 * generators (openapi-typescript, openapi-generator, orval) name their types and methods from it.
 */

// biome-ignore lint/suspicious/noExplicitAny: the generated document is JSON of every shape; this walker reads it as such
type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const RATE_LIMIT_HEADERS: ResponseHeader[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** Finishes the generated document in place and answers it. */
export function finishDocument(document: Json): Json {
  for (const [, method, operation] of operations(document)) {
    if (method === 'head') continue;
    addUnexpectedFailures(operation);
    if (operation.security?.some((requirement: Json) => 'apiKey' in requirement)) addRateLimitHeaders(operation);
    for (const parameter of operation.parameters ?? []) {
      // A parameter with a default may be left out: the server fills it in.
      if (parameter.schema?.default !== undefined) parameter.required = false;
    }
  }
  nameHeadOperations(document);
  nameSchemas(document);
  return document;
}

function* operations(document: Json): Generator<[string, (typeof METHODS)[number], Json]> {
  for (const [path, item] of Object.entries<Json>(document.paths ?? {})) {
    for (const method of METHODS) if (item[method]) yield [path, method, item[method]];
  }
}

/**
 * Any operation can fail inside (500), and any can find storage busy or the server shutting down
 * (503 with Retry-After): documented everywhere so clients handle them the one way.
 */
function addUnexpectedFailures(operation: Json): void {
  operation.responses['500'] ??= unexpected(500, 'internal');
  operation.responses['503'] ??= unexpected(503, 'unavailable');
}

const unexpected = (status: 500 | 503, code: 'internal' | 'unavailable') => ({
  description: `Problem: ${code}`,
  ...(status === 503 && { headers: documentedHeaders(['Retry-After']) }),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** The gateway tells every caller with an API key where its usage plan stands, refusals included. */
function addRateLimitHeaders(operation: Json): void {
  for (const response of Object.values<Json>(operation.responses)) {
    response.headers = { ...documentedHeaders(RATE_LIMIT_HEADERS), ...response.headers };
  }
}

const documentedHeaders = (names: ResponseHeader[]) =>
  Object.fromEntries(
    names.map((name) => {
      const { description, ...schema } = RESPONSE_HEADERS[name];
      return [name, { description, schema }];
    }),
  );

/** A route answering GET and HEAD has one schema, hence one operationId: HEAD gets its own. */
function nameHeadOperations(document: Json): void {
  for (const item of Object.values<Json>(document.paths ?? {})) {
    const id = item.get?.operationId;
    if (!item.head || item.head.operationId !== id || typeof id !== 'string') continue;
    item.head = { ...item.head, operationId: `head${id.replace(/^get/, '').replace(/^./, (c) => c.toUpperCase())}` };
  }
}

/**
 * Every schema with a `title` becomes a named, reusable schema in `components.schemas` and is
 * referred to by `$ref` wherever it appears. Two different schemas under one title are a bug in
 * the routes' schemas and fail the document.
 */
function nameSchemas(document: Json): void {
  document.components.schemas ??= {};
  const named: Json = document.components.schemas;
  const hoist = (node: unknown, isComponent: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => hoist(item, false));
    if (node === null || typeof node !== 'object') return node;
    const copy: Json = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, hoist(value, false)]));
    if (isComponent || typeof copy.title !== 'string' || !isSchema(copy)) return copy;
    const title = copy.title;
    if (named[title] !== undefined && !isDeepStrictEqual(named[title], copy)) {
      throw new Error(`Two different schemas are titled ${title}: give one another title`);
    }
    named[title] = copy;
    return { $ref: `#/components/schemas/${title}` };
  };
  for (const [name, schema] of Object.entries(named)) named[name] = hoist(schema, true);
  document.paths = hoist(document.paths, false);
}

/** Titles also appear on examples' values; only schemas are hoisted. */
const isSchema = (node: Json) => 'type' in node || 'anyOf' in node || 'oneOf' in node || 'allOf' in node || 'properties' in node;
