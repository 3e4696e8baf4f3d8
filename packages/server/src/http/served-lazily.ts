import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** Headers of the inner answer that the app's own reply works out for itself. */
const OWN_HEADERS = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

/**
 * A route handler answering from a Fastify instance of its own, which `build` fills (registering a
 * plugin it imports then) on the first request: for pages whose plugins cost every start for a
 * request few starts see. Answers go through the app's hooks like any other (request log, metrics,
 * security headers, which the inner answer's headers override); what the inner instance does not
 * have is the app's own 404.
 */
export function servedLazily(build: (inner: FastifyInstance) => Promise<void>) {
  let inner: Promise<FastifyInstance> | undefined;
  const load = async () => {
    const instance = Fastify();
    await build(instance);
    await instance.ready();
    return instance;
  };
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // A failed load (a missing file) is tried again on the next request rather than remembered.
    inner ??= load().catch((error: unknown) => {
      inner = undefined;
      throw error;
    });
    const answered = await (await inner).inject({ method: request.method as 'GET', url: request.url, headers: request.headers });
    if (answered.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(answered.headers)) {
      if (value !== undefined && !OWN_HEADERS.has(name)) reply.header(name, value);
    }
    return reply.code(answered.statusCode).send(answered.rawPayload);
  };
}
