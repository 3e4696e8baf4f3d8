import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Problem } from '../errors.js';
import { documentedAs } from '../http/openapi.js';
import { problemResponses, withHeaders } from '../http/schemas.js';
import { deliverBlob, deliveryResponses } from './delivery.js';
import type { BlobStore } from './store.js';
import { checkUploadLength } from './upload-length.js';
import type { UrlSigner } from './url-signer.js';

const tags = ['blobs'];
const summaryNote = 'The URL comes from the API (e.g. a photo); it carries its own authorisation.';
// Tokens are opaque and can be longer than a route parameter may be, hence the wildcard.
const TokenParams = Type.Object({ '*': Type.String({ maxLength: 2048 }) }, { additionalProperties: false });
const urlProblems = ['signed_url_invalid', 'signed_url_expired'] as const;
const asToken = documentedAs({ wildcard: 'token' });
const asUpload = documentedAs({
  wildcard: 'token',
  body: {
    description: 'Exactly the bytes declared, with the Content-Type declared',
    content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
  },
});

/**
 * What S3 does for presigned URLs, done by Shoebox for the filesystem store: GET and HEAD
 * deliver an object like a CDN; PUT stores exactly the declared bytes under the signed key, as a
 * presigned PUT does, and the capability that signed the URL checks them when the device says it
 * is done (a photo's `complete`), the same way on every store. Mounted by FsBlobStore at the path
 * its URLs point to.
 */
export function fsBlobRoutes(store: BlobStore, signer: UrlSigner): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Upload bodies are raw bytes of any declared type, streamed into the store.
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    // A refused upload may still be sending bytes: close the connection rather than read them.
    app.addHook('onSend', async (request, reply) => {
      if (reply.statusCode >= 400 && !request.raw.complete) reply.header('connection', 'close');
    });

    app.route({
      method: ['GET', 'HEAD'],
      url: '/*',
      config: { swaggerTransform: asToken },
      schema: {
        tags,
        operationId: 'downloadBlob',
        // The URL carries its own authority (a signed token, or a public photo's id): no key or bearer token.
        security: [],
        summary: `Download through a signed URL. ${summaryNote}`,
        params: TokenParams,
        response: {
          ...deliveryResponses,
          ...problemResponses(...urlProblems, 'not_found', 'range_not_satisfiable'),
        },
      },
      handler: async (request, reply) => {
        const claims = signer.verify(request.params['*'], 'GET');
        if (claims.method !== 'GET') throw new Problem('signed_url_invalid', 'This URL is not a download URL.');
        return deliverBlob(request, reply, store, claims.key, claims);
      },
    });

    app.put(
      '/*',
      {
        config: { swaggerTransform: asUpload },
        schema: {
          tags,
          operationId: 'uploadBlob',
          security: [],
          summary: `Upload through a signed URL: send exactly the declared bytes with the declared Content-Type. ${summaryNote}`,
          params: TokenParams,
          response: {
            204: withHeaders(Type.Null({ description: 'Stored; the ETag header identifies the bytes' }), 'ETag'),
            ...problemResponses(...urlProblems, 'signed_url_used', 'upload_incomplete', 'payload_too_large', 'unsupported_media_type'),
          },
        },
      },
      async (request, reply) => {
        const claims = signer.verify(request.params['*'], 'PUT');
        if (claims.method !== 'PUT') throw new Problem('signed_url_invalid', 'This URL is not an upload URL.');
        const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
        if (type !== claims.contentType) {
          throw new Problem('unsupported_media_type', `This URL takes ${claims.contentType} only; send that Content-Type header.`);
        }
        // As S3 does for the If-None-Match: * a presigned PUT signs: an upload never replaces one already made.
        if (await store.head(claims.key))
          throw new Problem('signed_url_used', 'This upload URL has already been used. Create a new photo to upload again.');
        const announced = request.headers['content-length'];
        if (announced !== undefined) checkUploadLength(Number(announced), claims.contentLength);
        const body = request.body instanceof Readable ? request.body : request.raw;
        const info = await store.put(claims.key, body, { maxBytes: claims.contentLength, contentType: claims.contentType });
        if (info.size < claims.contentLength) {
          await store.delete(claims.key);
          checkUploadLength(info.size, claims.contentLength);
        }
        return reply.status(204).header('etag', info.etag).send(null);
      },
    );
  };
}
