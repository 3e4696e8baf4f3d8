import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { deliverBlob, deliveryResponses } from '../blob/delivery.js';
import type { BlobStore } from '../blob/store.js';
import { problemResponses } from '../http/schemas.js';
import { VariantParams } from './schemas.js';
import type { PhotoService } from './service.js';

/**
 * Stable unsigned URLs for the variants of public photos, made to sit behind a CDN: no API key,
 * no token, and cacheable by anyone for a year, since a photo's variants never change. Private
 * photos, originals and photos not yet ready are not found here.
 */
export function publicPhotoRoutes(photos: PhotoService, blobs: BlobStore): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/:photoId/:variant',
      schema: {
        tags: ['photos'],
        operationId: 'getPublicPhotoVariant',
        // No key or bearer token: the variants of public photos are for anyone who has the URL.
        security: [],
        summary: "A public photo's variant (thumb or display), for CDNs and <img> tags",
        params: VariantParams,
        response: {
          ...deliveryResponses,
          ...problemResponses('not_found', 'validation_failed', 'range_not_satisfiable'),
        },
      },
      handler: async (request, reply) => {
        const { key, contentType } = await photos.publicVariant(request.params.photoId, request.params.variant);
        return deliverBlob(request, reply, blobs, key, { contentType, cache: 'immutable', expiresAt: new Date() });
      },
    });
  };
}
