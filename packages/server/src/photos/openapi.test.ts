import { describe, expect, it } from 'vitest';
import { itDocuments, resolved, servedOpenApiDocument } from '../testing/openapi.js';

/** Each photo route, the statuses it documents and problem codes its documentation must name. */
const v1 = ['400', '401', '403', '429'];
const delivery = ['200', '206', '304', '404', '416'];
const routes = [
  {
    method: 'post',
    path: '/v1/photos',
    statuses: ['201', ...v1, '413', '415'],
    codes: ['storage_quota_exceeded', 'payload_too_large', 'unsupported_media_type', 'validation_failed', 'access_token_missing'],
  },
  {
    method: 'post',
    path: '/v1/photos/{photoId}/complete',
    statuses: ['200', ...v1, '404', '409', '413', '415'],
    codes: ['upload_missing', 'upload_incomplete', 'not_found'],
  },
  { method: 'get', path: '/v1/photos/{photoId}', statuses: ['200', ...v1, '404'], codes: ['not_found', 'access_token_expired'] },
  { method: 'get', path: '/v1/photos', statuses: ['200', ...v1], codes: ['validation_failed'] },
  { method: 'delete', path: '/v1/photos/{photoId}', statuses: ['204', ...v1, '404'], codes: ['not_found'] },
  {
    method: 'get',
    path: '/blobs/{token}',
    statuses: [...delivery, '403'],
    codes: ['signed_url_invalid', 'signed_url_expired', 'range_not_satisfiable'],
  },
  {
    method: 'put',
    path: '/blobs/{token}',
    statuses: ['204', '400', '403', '413', '415'],
    codes: ['signed_url_used', 'signed_url_expired', 'upload_incomplete', 'payload_too_large', 'unsupported_media_type'],
  },
  { method: 'get', path: '/public/photos/{photoId}/{variant}', statuses: [...delivery, '400'], codes: ['not_found', 'validation_failed'] },
];

describe('OpenAPI document of the photo routes', () => {
  const document = servedOpenApiDocument();
  itDocuments(routes, document);

  it('states the upload bounds and that images come back as bytes', () => {
    const create = resolved(document(), document().paths['/v1/photos'].post.requestBody.content['application/json'].schema);
    expect(create.properties.contentLength).toMatchObject({ minimum: 1 });
    expect(create.required).toEqual(expect.arrayContaining(['contentType', 'contentLength']));
    expect(document().paths['/v1/photos'].post.security).toEqual([{ apiKey: [], identityToken: [] }]);
    expect(document().paths['/public/photos/{photoId}/{variant}'].get.responses['200'].content).toHaveProperty('image/*');
    expect(document().paths['/public/photos/{photoId}/{variant}'].get.security).toEqual([]);
  });
});
