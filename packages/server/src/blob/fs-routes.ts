import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Problem } from '../errors.js';
import { documentedAs } from '../http/openapi.js';
import { problemResponses, withHeaders } from '../http/schemas.js';
import { deliverBlob, deliveryResponses } from './delivery.js';
import type { BlobInfo, BlobStore } from './store.js';
import type { UploadClaims, UrlSigner } from './url-signer.js';

/**
 * Takes the bytes of a signed upload. The capability that issued the URL decides whether to keep
 * them (single use, exact length, content checks) and stores them; a Problem refuses the upload.
 * `announcedLength` is the request's Content-Length, if it has one: check it before reading.
 */
export interface UploadReceiver {
  receive(claims: UploadClaims, body: Readable, announcedLength: number | undefined): Promise<BlobInfo>;
}

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
 * deliver an object like a CDN; PUT streams an upload to the receiver. Mounted at the path the
 * store's URLs point to.
 */
export function fsBlobRoutes(store: BlobStore, signer: UrlSigner, receiver: UploadReceiver): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Upload bodies are raw bytes of any declared type, read as a stream by the receiver.
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
            ...problemResponses(
              ...urlProblems,
              'signed_url_used',
              'upload_incomplete',
              'not_found',
              'conflict',
              'payload_too_large',
              'unsupported_media_type',
            ),
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
        const length = request.headers['content-length'];
        const body = request.body instanceof Readable ? request.body : request.raw;
        const info = await receiver.receive(claims, body, length === undefined ? undefined : Number(length));
        return reply.status(204).header('etag', info.etag).send(null);
      },
    );
  };
}
