import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

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

/**
 * The OpenAPI 3.1 document, generated from the routes' TypeBox schemas, and its reference page.
 * `publicUrl` is read per request: with port 0 the real port is known only once listening, and the
 * page's "Try it out" calls that server.
 */
export async function registerOpenApi(app: FastifyInstance, publicUrl: () => string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Shoebox API',
        version: '1',
        description:
          'Self-hosted mobile backend. Every /v1 route needs an `x-api-key` header, and routes that act as an identity also an ' +
          '`Authorization: Bearer <accessToken>`; /admin routes need the admin bearer token. ' +
          'Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`.',
      },
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
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  const withServer = <Document extends object>(document: Document) => ({ ...document, servers: [{ url: publicUrl() }] });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    theme: { title: 'Shoebox API reference' },
    // The base layout has no top bar: no box to load other documents, and no logo with an inline style the CSP refuses.
    uiConfig: { docExpansion: 'list', layout: 'BaseLayout' },
    transformSpecification: withServer,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => withServer(app.swagger()));
}
