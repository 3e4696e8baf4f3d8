import { type Static, Type } from 'typebox';
import { Timestamp } from '../http/schemas.js';
import { PHOTO_ID_PATTERN } from './photo.js';

const GIB = 1024 ** 3;

export const PhotoIdParams = Type.Object(
  { photoId: Type.String({ pattern: PHOTO_ID_PATTERN, description: 'A photo id, e.g. pho_3q2-…' }) },
  { additionalProperties: false },
);

export const VariantParams = Type.Object(
  {
    photoId: PhotoIdParams.properties.photoId,
    variant: Type.Union([Type.Literal('thumb'), Type.Literal('display')]),
  },
  { additionalProperties: false },
);

export const CreatePhotoSchema = Type.Object(
  {
    contentType: Type.String({
      maxLength: 100,
      pattern: '^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$',
      description: 'The type of the bytes you will upload: image/jpeg, image/png, image/webp or image/avif (others answer 415)',
    }),
    contentLength: Type.Integer({
      minimum: 1,
      maximum: 5 * GIB,
      description: 'The exact number of bytes you will upload; above the configured maximum (default 25 MiB) answers 413',
    }),
    visibility: Type.Optional(
      Type.Union([Type.Literal('private'), Type.Literal('public')], {
        description: 'private (default): only you. public: anyone with the id sees the variants, which also get stable unsigned URLs',
      }),
    ),
  },
  { title: 'PhotoInput', additionalProperties: false },
);

const SignedUrlProperties = {
  url: Type.String({ description: 'Works for GET and HEAD until expiresAt; no other credentials needed' }),
  expiresAt: Timestamp,
};

const VariantSchema = Type.Object(
  {
    width: Type.Integer(),
    height: Type.Integer(),
    bytes: Type.Integer(),
    contentType: Type.String(),
    ...SignedUrlProperties,
    publicUrl: Type.Optional(Type.String({ description: 'Public photos only: a stable unsigned URL, cacheable for a year' })),
  },
  { title: 'PhotoVariant' },
);

const photoProperties = {
  photoId: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')], {
    description: 'pending: waiting for the upload; processing: making variants; ready; failed: see failureReason',
  }),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('public')]),
  contentType: Type.String({ description: 'Of the original' }),
  bytes: Type.Integer({ description: 'Of the original' }),
  width: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Of the original, as displayed (orientation applied); null until ready',
  }),
  height: Type.Union([Type.Integer(), Type.Null()]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  variants: Type.Object(
    { thumb: Type.Optional(VariantSchema), display: Type.Optional(VariantSchema) },
    { description: 'thumb: longest side ≤ 256 px; display: ≤ 2048 px. Oriented, metadata (EXIF, GPS, XMP) removed. Present once ready' },
  ),
  original: Type.Optional(
    Type.Object(
      { bytes: Type.Integer(), contentType: Type.String(), ...SignedUrlProperties },
      { title: 'PhotoOriginal', description: 'The bytes as uploaded, metadata included: for the owner only, once uploaded' },
    ),
  ),
};

export const PhotoSchema = Type.Object(photoProperties, { title: 'Photo' });

export const CreatedPhotoSchema = Type.Object(
  {
    ...photoProperties,
    upload: Type.Object(
      {
        method: Type.Literal('PUT'),
        url: Type.String(),
        headers: Type.Record(Type.String(), Type.String(), {
          description: 'Send all of these headers with the bytes: the URL is signed for them',
        }),
        expiresAt: Timestamp,
      },
      { title: 'UploadTicket', description: 'Send the bytes here: exactly contentLength of them, once' },
    ),
  },
  { title: 'NewPhoto' },
);

export const ListPhotosQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const PhotoListSchema = Type.Object(
  {
    photos: Type.Array(PhotoSchema),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  },
  { title: 'PhotoPage' },
);

export type CreatePhotoInput = Static<typeof CreatePhotoSchema>;
export type PhotoJson = Static<typeof PhotoSchema>;
