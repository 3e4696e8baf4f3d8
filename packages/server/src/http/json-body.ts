import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { Problem } from '../errors.js';

/**
 * JSON bodies only (text/plain and other types answer 415). Prototype-poisoning keys are
 * refused, and any parse failure is a 400 problem rather than an internal error.
 * Many HTTP clients send `content-type: application/json` on every request: an empty body is
 * nothing to parse on a route that takes no body, and a 400 only where the route needs one.
 */
export function installJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      if (request.routeOptions.schema?.body === undefined) return done(null, undefined);
      return done(new Problem('malformed_body', 'The body is empty; send a JSON document.'), undefined);
    }
    try {
      done(null, secureJson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : 'it is not allowed';
      done(new Problem('malformed_body', `The body is not valid JSON: ${reason}.`), undefined);
    }
  });
}
