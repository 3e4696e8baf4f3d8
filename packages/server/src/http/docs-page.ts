import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { servedLazily } from './served-lazily.js';

/**
 * Stands in for @fastify/swagger, which @fastify/swagger-ui requires by name: the page's copy of
 * the document comes from `document`. The symbols are what fastify-plugin sets, read by Fastify:
 * the decoration reaches the instance the plugin is registered on.
 */
const documentFrom = (document: FastifyInstance['swagger']) =>
  Object.assign(
    async (page: FastifyInstance) => {
      page.decorate('swagger', document);
    },
    { [Symbol.for('skip-override')]: true, [Symbol.for('plugin-meta')]: { name: '@fastify/swagger' } },
  );

/**
 * The API reference page: Swagger UI's files and the document under `options.routePrefix`, served
 * by @fastify/swagger-ui. Loading that plugin (with @fastify/static and yaml) cost about a tenth
 * of every start, for a page few starts ever serve: it is loaded on the first request for the page.
 */
export function serveDocsPageLazily(
  app: FastifyInstance,
  options: FastifySwaggerUiOptions & { routePrefix: string },
  document: FastifyInstance['swagger'],
): void {
  const answer = servedLazily(async (page) => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    await page.register(documentFrom(document));
    await page.register(swaggerUi, options);
  });
  app.get(options.routePrefix, { schema: { hide: true } }, answer);
  app.get(`${options.routePrefix}/*`, { schema: { hide: true } }, answer);
}
