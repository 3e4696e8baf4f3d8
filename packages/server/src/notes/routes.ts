import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { NoteLimits } from '../config/config.js';
import { Problem } from '../errors.js';
import { callerOf } from '../http/caller.js';
import { answer } from '../http/schemas.js';
import { identityRouteProblems, identitySecurity } from '../identity/bearer-problems.js';
import { etagOf, noteJson } from './note.js';
import { CreateHeaders, ListQuery, NoteListSchema, NoteParams, NoteSchema, noteSchemas, ReadHeaders, WriteHeaders } from './schemas.js';
import type { NotesService } from './service.js';
import type { CreateOutcome } from './tables.js';

const tags = ['notes'];
const bodyProblems = ['validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'] as const;
/** The status of each outcome of a create. */
const CREATE_STATUS = { created: 201 } as const satisfies Record<CreateOutcome, number>;

/**
 * /v1/notes: the caller's notes. Runs behind the API-key gateway and the identity guard, so
 * `request.identityId` is always set here; every service call is scoped to it.
 */
export function noteRoutes(notes: NotesService, limits: NoteLimits): FastifyPluginAsyncTypebox {
  const { CreateNote, PutNote, PatchNote } = noteSchemas(limits);
  return async (app) => {
    app.post(
      '/notes',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'createNote',
          summary: 'Create a note (an Idempotency-Key makes retries safe)',
          headers: CreateHeaders,
          body: CreateNote,
          response: {
            201: answer(NoteSchema, 'Created, or the remembered answer to a retry', 'ETag', 'Location', 'Idempotent-Replayed'),
            ...identityRouteProblems(...bodyProblems, 'note_id_taken', 'idempotency_key_reused'),
          },
        },
        // The create's own statement checks the identity and session (one round trip instead of two).
        config: { identityCheckedByWrite: true },
      },
      async (request, reply) => {
        const session = request.identitySessionId ?? undefined;
        const { note, outcome, replayed } = await notes.create(
          callerOf(request),
          request.body,
          request.headers['idempotency-key'],
          session,
        );
        // A retry gets the first answer again, status included: it says what the first request did.
        if (replayed) reply.header('idempotent-replayed', 'true');
        return reply
          .status(CREATE_STATUS[outcome])
          .header('etag', etagOf(note.version))
          .header('location', `/v1/notes/${note.noteId}`)
          .send(note);
      },
    );

    app.get(
      '/notes',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'listNotes',
          summary: 'List your notes, newest first',
          querystring: ListQuery,
          response: { 200: answer(NoteListSchema, 'A page of your notes'), ...identityRouteProblems('validation_failed') },
        },
      },
      async (request) => {
        const page = await notes.list(callerOf(request), request.query);
        return { notes: page.notes.map(noteJson), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/notes/:noteId',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'getNote',
          summary: 'Read one of your notes',
          params: NoteParams,
          headers: ReadHeaders,
          response: {
            200: answer(NoteSchema, 'The note', 'ETag'),
            304: answer(Type.Null(), 'Not modified: the note is still at the ETag in If-None-Match', 'ETag'),
            ...identityRouteProblems('validation_failed', 'not_found'),
          },
        },
      },
      async (request, reply) => {
        const note = await notes.get(callerOf(request), request.params.noteId);
        const etag = etagOf(note.version);
        reply.header('etag', etag);
        if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
          return reply.status(304).send(null);
        }
        return noteJson(note);
      },
    );

    app.put(
      '/notes/:noteId',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'putNote',
          summary: 'Create a note under your own id, or replace your note',
          params: NoteParams,
          headers: WriteHeaders,
          body: PutNote,
          response: {
            200: answer(NoteSchema, 'Replaced', 'ETag'),
            201: answer(NoteSchema, 'Created', 'ETag'),
            ...identityRouteProblems(...bodyProblems, 'note_id_taken', 'precondition_failed'),
          },
        },
      },
      async (request, reply) => {
        const { noteId } = request.params;
        const { noteId: bodyId, ...content } = request.body;
        if (bodyId !== undefined && bodyId !== noteId) {
          throw new Problem(
            'validation_failed',
            `body.noteId is ${JSON.stringify(bodyId)} but the path names ${JSON.stringify(noteId)}. Send the same id or leave it out.`,
          );
        }
        const { note, created } = await notes.put(callerOf(request), noteId, content, preconditions(request.headers));
        return reply
          .status(created ? 201 : 200)
          .header('etag', etagOf(note.version))
          .send(noteJson(note));
      },
    );

    app.patch(
      '/notes/:noteId',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'updateNote',
          summary: 'Change some fields of your note',
          params: NoteParams,
          headers: WriteHeaders,
          body: PatchNote,
          response: {
            200: answer(NoteSchema, 'Changed', 'ETag'),
            ...identityRouteProblems(...bodyProblems, 'not_found', 'precondition_failed'),
          },
        },
      },
      async (request, reply) => {
        const note = await notes.patch(callerOf(request), request.params.noteId, request.body, preconditions(request.headers));
        return reply.header('etag', etagOf(note.version)).send(noteJson(note));
      },
    );

    app.delete(
      '/notes/:noteId',
      {
        schema: {
          tags,
          security: identitySecurity,
          operationId: 'deleteNote',
          summary: 'Delete your note',
          params: NoteParams,
          headers: WriteHeaders,
          response: {
            204: answer(Type.Null(), 'Deleted'),
            ...identityRouteProblems('validation_failed', 'not_found', 'precondition_failed'),
          },
        },
      },
      async (request, reply) => {
        await notes.delete(callerOf(request), request.params.noteId, preconditions(request.headers));
        return reply.status(204).send(null);
      },
    );
  };
}

const preconditions = (headers: { 'if-match'?: string; 'if-none-match'?: string }) => ({
  ifMatch: headers['if-match'],
  ifNoneMatch: headers['if-none-match'],
});
