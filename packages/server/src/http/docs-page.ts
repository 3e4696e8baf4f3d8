import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** Headers of the page's own answer that this app's reply works out for itself. */
const OWN_HEADERS = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

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
 * of every start, for a page few starts ever serve: it is loaded on the first request for the page,
 * in a Fastify instance of its own that `app`'s routes ask. Answers go through `app`'s hooks like
 * any other (request log, metrics, security headers, which the page's own headers override).
 */
export function serveDocsPageLazily(
  app: FastifyInstance,
  options: FastifySwaggerUiOptions & { routePrefix: string },
  document: FastifyInstance['swagger'],
) {
  let page: Promise<FastifyInstance> | undefined;
  const load = async () => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    const instance = Fastify();
    await instance.register(documentFrom(document));
    await instance.register(swaggerUi, options);
    await instance.ready();
    return instance;
  };
  const answer = async (request: FastifyRequest, reply: FastifyReply) => {
    // A failed load (a missing file) is tried again on the next request rather than remembered.
    page ??= load().catch((error: unknown) => {
      page = undefined;
      throw error;
    });
    const answered = await (await page).inject({ method: request.method as 'GET', url: request.url, headers: request.headers });
    if (answered.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(answered.headers)) {
      if (value !== undefined && !OWN_HEADERS.has(name)) reply.header(name, value);
    }
    return reply.code(answered.statusCode).send(answered.rawPayload);
  };
  app.get(options.routePrefix, { schema: { hide: true } }, answer);
  app.get(`${options.routePrefix}/*`, { schema: { hide: true } }, answer);
}
