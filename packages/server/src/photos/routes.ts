import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { apiKeyOf, callerOf } from '../http/caller.js';
import { answer } from '../http/schemas.js';
import { identityRouteProblems, identitySecurity } from '../identity/bearer-problems.js';
import { CreatedPhotoSchema, CreatePhotoSchema, ListPhotosQuery, PhotoIdParams, PhotoListSchema, PhotoSchema } from './schemas.js';
import type { PhotoService } from './service.js';

const tags = ['photos'];
const security = identitySecurity;
const bodyProblems = ['validation_failed', 'malformed_body', 'unsupported_media_type', 'payload_too_large'] as const;

/**
 * The photo routes under /v1, registered in a scope whose identity guard has run: every call acts
 * as the identity of its bearer token, and finds only that identity's photos (or public ones).
 */
export function photoRoutes(photos: PhotoService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/photos',
      {
        schema: {
          tags,
          security,
          operationId: 'createPhoto',
          summary: 'Create a photo and get a signed URL to upload its bytes to',
          description:
            'Declare the type and exact length of the bytes. The answer holds `upload`: PUT exactly those bytes, with its headers, ' +
            'to its URL and POST /v1/photos/{photoId}/complete, both before it expires. Size and the storage quotas (yours, and your app’s) ' +
            'are checked here, before any byte is sent.',
          body: CreatePhotoSchema,
          response: {
            201: answer(CreatedPhotoSchema, 'The photo, pending, with where to upload its bytes'),
            ...identityRouteProblems(...bodyProblems, 'storage_quota_exceeded'),
          },
        },
      },
      async (request, reply) => {
        const { photo, upload } = await photos.create(callerOf(request), request.body, apiKeyOf(request));
        return reply.status(201).send({ ...photo, upload: { ...upload, expiresAt: upload.expiresAt.toISOString() } });
      },
    );

    app.post(
      '/photos/:photoId/complete',
      {
        schema: {
          tags,
          security,
          operationId: 'completePhoto',
          summary: 'Confirm the upload: the bytes are checked and the photo moves on to processing',
          description:
            'Idempotent: completing a photo that is already past pending answers it as it is. ' +
            'Too late once the upload URL has expired: the photo then fails and keeps none of the bytes.',
          params: PhotoIdParams,
          response: {
            200: answer(PhotoSchema, 'The photo, processing (or as it was, if already completed)'),
            ...identityRouteProblems(
              'validation_failed',
              'not_found',
              'upload_missing',
              'upload_incomplete',
              'payload_too_large',
              'unsupported_media_type',
              'conflict',
              'signed_url_expired',
            ),
          },
        },
      },
      async (request) => photos.complete(callerOf(request), request.params.photoId),
    );

    app.get(
      '/photos/:photoId',
      {
        schema: {
          tags,
          security,
          operationId: 'getPhoto',
          summary: 'A photo with signed URLs for its variants (and, for its owner, the original)',
          description: "Your own photos, or another identity's public photo once it is ready. Anything else is not found.",
          params: PhotoIdParams,
          response: { 200: answer(PhotoSchema, 'The photo'), ...identityRouteProblems('validation_failed', 'not_found') },
        },
      },
      async (request) => photos.get(callerOf(request), request.params.photoId),
    );

    app.get(
      '/photos',
      {
        schema: {
          tags,
          security,
          operationId: 'listPhotos',
          summary: 'Your photos, newest first',
          querystring: ListPhotosQuery,
          response: { 200: answer(PhotoListSchema, 'A page of your photos'), ...identityRouteProblems('validation_failed') },
        },
      },
      async (request) => photos.list(callerOf(request), request.query.limit ?? 20, request.query.cursor),
    );

    app.delete(
      '/photos/:photoId',
      {
        schema: {
          tags,
          security,
          operationId: 'deletePhoto',
          summary: 'Delete a photo: its metadata, every stored file, and its place in your notes',
          params: PhotoIdParams,
          response: { 204: answer(Type.Null(), 'Deleted'), ...identityRouteProblems('validation_failed', 'not_found') },
        },
      },
      async (request, reply) => {
        await photos.delete(callerOf(request), request.params.photoId);
        return reply.status(204).send(null);
      },
    );
  };
}

/** The API key the request came through, whose photo quota it counts against. The gateway sets it on every /v1 route. */
