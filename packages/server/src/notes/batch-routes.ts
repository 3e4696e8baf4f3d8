import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NoteLimits } from '../config/config.js';
import { Problem } from '../errors.js';
import { callerOf } from '../http/caller.js';
import { problemDocument } from '../http/problem-handler.js';
import { answer } from '../http/schemas.js';
import { schemaCompiler } from '../http/validation.js';
import { identityRouteProblems, identitySecurity } from '../identity/bearer-problems.js';
import type { BatchUsage } from '../keys/batch-usage.js';
import { type BatchOutcome, newNoteChecker } from './batch.js';
import { etagOf, noteJson } from './note.js';
import { batchSchemas, MAX_BATCH_NOTES, noteSchemas } from './schemas.js';
import type { NotesService } from './service.js';

/**
 * POST /v1/notes/batch: up to 100 notes in one request and one transaction, each answered on its
 * own. Behind the gateway and the identity guard like /v1/notes; the batch counts as one request
 * per note against the API key's usage plan.
 */
export function noteBatchRoutes(notes: NotesService, limits: NoteLimits, usage: BatchUsage): FastifyPluginAsyncTypebox {
  const schemas = noteSchemas(limits);
  const { BatchBody, BatchEnvelope, BatchAnswer } = batchSchemas(schemas);
  const checkNote = newNoteChecker(schemas);
  const tooLarge = (bytes: string) =>
    new Problem(
      'payload_too_large',
      `This batch is ${bytes} bytes and a batch may have at most ${limits.batchBodyLimitBytes}. Send its notes in smaller batches.`,
      { extensions: { maxBytes: limits.batchBodyLimitBytes } },
    );
  return async (app) => {
    app.post(
      '/notes/batch',
      {
        bodyLimit: limits.batchBodyLimitBytes,
        schema: {
          tags: ['notes'],
          operationId: 'createNotes',
          security: identitySecurity,
          summary: `Create up to ${MAX_BATCH_NOTES} notes at once, each answered on its own`,
          description:
            'Each note is shaped like the body of POST /v1/notes. The answer is 200 with one result per note, in order: ' +
            '`created` (status 201), `replayed` (status 200: you already have a note under its `noteId` with the same content, ' +
            'so sending a batch again is safe when its notes carry ids) or `failed` (a 4xx problem; that note is not written, the others are). ' +
            `A batch of n notes counts as n requests against the API key's usage plan, refused whole (429) when the plan cannot take them all; ` +
            `more than ${MAX_BATCH_NOTES} notes, a malformed envelope or a body over ${limits.batchBodyLimitBytes} bytes is refused whole, nothing written.`,
          body: BatchBody,
          response: {
            200: answer(BatchAnswer, 'One result per note sent, in order'),
            ...identityRouteProblems('validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'),
          },
        },
        // Only the envelope is checked before the handler: a bad note fails alone, in its result.
        validatorCompiler: (route) => schemaCompiler(route.httpPart === 'body' ? { ...route, schema: BatchEnvelope } : route),
        preParsing: async (request) => {
          const length = request.headers['content-length'];
          // Fastify's own bodyLimit also stops chunked bodies; this names the limit and what to do.
          if (length !== undefined && Number(length) > limits.batchBodyLimitBytes) throw tooLarge(length);
        },
      },
      async (request, reply) => {
        const items = (request.body.notes as unknown[]).map((item, i) => checkNote(item, `notes[${i}]`));
        await usage(request, reply, items.length);
        const outcomes = await notes.createMany(callerOf(request), items);
        return { results: outcomes.map((outcome) => resultJson(outcome, request.id)) };
      },
    );
  };
}

function resultJson(result: BatchOutcome, requestId: string) {
  if (result.outcome === 'failed') {
    return { outcome: result.outcome, status: result.problem.status, problem: problemDocument(result.problem, requestId) };
  }
  const { note } = result;
  return { outcome: result.outcome, status: result.outcome === 'created' ? 201 : 200, etag: etagOf(note.version), note: noteJson(note) };
}
