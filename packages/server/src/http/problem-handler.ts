import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { Problem, problemType } from '../errors.js';
import type { HttpMetrics } from './metrics.js';

/** When a client may retry after storage was busy or unreachable: a pool drains in seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The one place where failures become HTTP answers. Problems render as they are; Fastify's own
 * client errors map onto the closed set; a database that is busy or unreachable is `unavailable`
 * (503, Retry-After); everything else is an internal error. Causes are logged, never shown.
 */
export function installProblemHandler(app: FastifyInstance, metrics: HttpMetrics): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.code === 'internal') request.log.error({ err: error }, 'internal error');
    else if (!(error instanceof Problem) && problem.code === 'unavailable') request.log.warn({ err: error }, 'storage unavailable');
    return sendProblem(request, reply, problem, metrics);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new Problem('route_not_found', `There is no route ${request.method} ${request.url.split('?')[0]}. See /docs for the API.`),
      metrics,
    ),
  );
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem, metrics: HttpMetrics) {
  if (problem.status < 500) metrics.rejections.inc({ reason: problem.code });
  return reply
    .status(problem.status)
    .headers({ ...problem.options.headers, 'x-request-id': request.id })
    .type('application/problem+json')
    .send(problemDocument(problem, request.id));
}

/** A problem as RFC 9457 renders it: an answer's body, or one item's result inside a batch answer. */
export const problemDocument = (problem: Problem, requestId: string) => ({
  type: problemType(problem.code),
  title: problem.title,
  status: problem.status,
  detail: problem.detail,
  code: problem.code,
  instance: requestId,
  ...problem.options.extensions,
});

function toProblem(error: FastifyError): Problem {
  if (error instanceof Problem) return error;
  if (error.validation) {
    const errors = error.validation.map((issue) => ({
      field: fieldName(error.validationContext ?? 'body', issue.instancePath, issue.params),
      message: issue.message ?? 'is not valid',
    }));
    const first = errors[0];
    return new Problem('validation_failed', first ? `${first.field} ${first.message}` : 'The request is not valid', {
      extensions: { errors },
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem('payload_too_large', 'The request body is larger than this server accepts. Send less data.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem('malformed_body', 'The Content-Length header does not match the body.');
  }
  if (isDatabaseUnavailable(error)) {
    return new Problem('unavailable', 'Storage is busy or cannot be reached right now. Retry in a moment.', {
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    });
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new Problem('payload_too_large', 'The request is larger than this server accepts.');
  if (status === 415) return new Problem('unsupported_media_type', 'Send the body as application/json.');
  if (status >= 400 && status < 500) return new Problem('malformed_body', 'The request could not be read. Check its syntax and headers.');
  return new Problem('internal', 'Something went wrong on our side. Retry later; the request id identifies it in the logs.');
}

/** Names the offending field like `body.rateLimit.rate`, including the name of an unknown property. */
function fieldName(context: string, instancePath: string, params: Record<string, unknown>): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const extra =
    typeof params.additionalProperty === 'string'
      ? params.additionalProperty
      : typeof params.missingProperty === 'string'
        ? params.missingProperty
        : '';
  return [context, path, extra].filter(Boolean).join('.');
}
