import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Problem } from '../errors.js';
import { servedLazily } from '../http/served-lazily.js';

/**
 * The sample app's page may load its own files, show photos from wherever the blob store serves
 * them (this server, or an S3 endpoint) and upload to it; nothing inline, no other scripts.
 */
const DEMO_CSP =
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'; script-src 'self'; " +
  "style-src 'self'; img-src 'self' blob: data: http: https:; connect-src 'self' http: https:; manifest-src 'self'; worker-src 'self'";

/** Where the built sample app is (apps/demo/dist, made by `npm install`), or undefined when it is not built. */
export function demoFolder(): string | undefined {
  try {
    const dist = join(dirname(createRequire(import.meta.url).resolve('@shoebox/demo/package.json')), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

/** /demo/: the sample app's files, and the API key it calls with. */
export function demoRoutes(folder: string | undefined, apiKey: () => Promise<string>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', DEMO_CSP);
    });
    app.get('/config.json', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { apiKey: await apiKey() };
    });
    if (!folder) {
      app.get('/', { schema: { hide: true } }, async () => {
        throw new Problem(
          'not_found',
          'The sample app is not built. Run `npm install` (or `npm run build -w @shoebox/demo`) and start again.',
        );
      });
      return;
    }
    // The app's relative URLs resolve against /demo/, so /demo sends the browser there.
    app.get('', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/demo/'));
    // @fastify/static (with glob) is loaded on the first request for a file, not at every start.
    const files = servedLazily(async (inner) => {
      const { default: fastifyStatic } = await import('@fastify/static');
      await inner.register(fastifyStatic, { root: folder, prefix: `${app.prefix}/`, decorateReply: false });
    });
    app.get('/*', { schema: { hide: true } }, files);
  };
}
