import swagger, { type SwaggerTransform } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { serveDocsPageLazily } from './docs-page.js';
import { finishDocument } from './openapi-document.js';

const TAGS = [
  { name: 'identities', description: 'Guest identities, accounts, logins and tokens' },
  { name: 'notes', description: 'Your notes: create, read, change, delete, list' },
  { name: 'search', description: 'Full-text search over notes, and suggestions' },
  { name: 'photos', description: 'Photo uploads through signed URLs, their variants and public URLs' },
  { name: 'blobs', description: 'Signed URLs of the filesystem store: download and upload bytes' },
  { name: 'gateway', description: 'API keys as apps use them' },
  { name: 'operations', description: 'Health and metrics, for operators and orchestrators' },
  { name: 'admin: API keys', description: 'API keys and their usage plans (admin token)' },
  { name: 'admin: identities', description: 'Identity administration and developer-authenticated logins (admin token)' },
];

/**
 * A route's `config.swaggerTransform` for what its validation schemas cannot say: the name of its
 * wildcard (`/*`) segment, since generators need a named path parameter, and the body of a route
 * that reads it as a stream (so declares none to be validated against).
 */
export const documentedAs =
  ({ wildcard, body }: { wildcard: string; body?: Record<string, unknown> }): SwaggerTransform =>
  ({ schema, url }) => {
    const { '*': parameter, ...others } = (schema.params as { properties: Record<string, unknown> }).properties;
    const params = { type: 'object', properties: { ...others, [wildcard]: parameter }, required: [...Object.keys(others), wildcard] };
    return { schema: { ...schema, params, ...(body && { body }) }, url: url.replace(/\*$/, `:${wildcard}`) };
  };

/**
 * The reference page's Content-Security-Policy: Swagger UI's own, minus what Shoebox does not use
 * (fonts, styles and images from other hosts, the online validator) and minus
 * `upgrade-insecure-requests`, which turned every request of a page served over plain http from a
 * LAN name (http://nas.local:3000/docs) into an https request that failed: a blank page.
 * Nothing inline: the page runs only Swagger UI's files.
 */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; img-src 'self' data:; " +
  "font-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'";

/** A route the server answers: method and URL as Fastify registered it, and whether it is left out of the document. */
export interface AnsweredRoute {
  readonly method: string;
  readonly url: string;
  readonly hidden: boolean;
}

const answered = new WeakMap<FastifyInstance, AnsweredRoute[]>();

/** Every route `app` answers, for checking that the document leaves none out. */
export const answeredRoutes = (app: FastifyInstance): readonly AnsweredRoute[] => answered.get(app) ?? [];

/**
 * The OpenAPI 3.1 document, generated from the routes' TypeBox schemas, and its reference page.
 * `publicUrl` is read per request: with port 0 the real port is known only once listening, and the
 * page's "Try it out" calls that server.
 */
export async function registerOpenApi(app: FastifyInstance, publicUrl: () => string): Promise<void> {
  const routes: AnsweredRoute[] = [];
  answered.set(app, routes);
  app.addHook('onRoute', (route) => {
    const hidden = route.schema?.hide === true;
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden });
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Shoebox API',
        license: { name: 'MIT', identifier: 'MIT' },
        version: '1',
        description:
          'Self-hosted mobile backend. Every /v1 route needs an `x-api-key` header, and routes that act as an identity also an ' +
          '`Authorization: Bearer <accessToken>`; /admin routes need the admin bearer token. ' +
          'Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`.',
      },
      tags: TAGS,
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token printed on first start' },
          identityToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token from POST /v1/identities, /v1/accounts, /v1/identities/login or /v1/identities/refresh',
          },
        },
      },
    },
    transformObject: (documents) => finishDocument('openapiObject' in documents ? documents.openapiObject : documents.swaggerObject),
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  const withServer = <Document extends object>(document: Document) => ({ ...document, servers: [{ url: publicUrl() }] });
  serveDocsPageLazily(
    app,
    {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      theme: { title: 'Shoebox API reference' },
      // The base layout has no top bar: no box to load other documents, and no logo with an inline style the CSP refuses.
      uiConfig: { docExpansion: 'list', layout: 'BaseLayout' },
      transformSpecification: withServer,
    },
    app.swagger.bind(app),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => withServer(app.swagger()));
}
