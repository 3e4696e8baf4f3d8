import type { Selectable } from 'kysely';
import { type BlobStore, blobKey } from '../blob/store.js';
import type { PhotoType, VariantName } from './images.js';
import type { PhotoTables } from './tables.js';

/**
 * A photo's life: `pending` (created, waiting for its bytes) → `processing` (bytes stored and
 * checked, variants being made) → `ready` or `failed` (with a reason). Deleting removes the row
 * and, once that commits, every blob.
 */
export type PhotoStatus = PhotoTables['photos']['status'];
export type Visibility = PhotoTables['photos']['visibility'];

export interface VariantInfo {
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly contentType: string;
}

export interface Photo {
  readonly id: string;
  readonly ownerId: string;
  /** The API key it was created through: its bytes count against that key's quota too (null: created before keys were counted). */
  readonly apiKeyId: string | null;
  readonly status: PhotoStatus;
  readonly visibility: Visibility;
  readonly contentType: PhotoType;
  readonly bytes: number;
  readonly storedBytes: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly variants: Partial<Record<VariantName, VariantInfo>>;
  readonly failureReason: string | null;
  /** The ETag of the original as `complete` checked it (size and type by content); null while pending. */
  readonly originalEtag: string | null;
  readonly uploadExpiresAt: Date;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A photo id: made by the server, so its shape is known exactly. */
export const PHOTO_ID = 'pho_[A-Za-z0-9_-]{16}';
export const PHOTO_ID_PATTERN = `^${PHOTO_ID}$`;

/**
 * Every blob a photo can have. Keys come from the server-made id only. Devices PUT to the upload
 * key; the original is written by Shoebox alone (see PhotoService.complete), so a signed upload URL
 * can never reach the bytes a photo serves and processes.
 */
const BLOB_NAMES = ['upload', 'original', 'thumb', 'display'] as const satisfies readonly ('upload' | 'original' | VariantName)[];
const BLOB_KEY = new RegExp(`^photos/(${PHOTO_ID})/(?:${BLOB_NAMES.join('|')})$`);

export const uploadKey = (photoId: string) => blobKey('photos', photoId, 'upload');
export const originalKey = (photoId: string) => blobKey('photos', photoId, 'original');
export const variantKey = (photoId: string, variant: VariantName) => blobKey('photos', photoId, variant);

/** Deletes every blob a photo can have. Idempotent. */
export async function deletePhotoBlobs(blobs: BlobStore, photoId: string): Promise<void> {
  await Promise.all(BLOB_NAMES.map((name) => blobs.delete(blobKey('photos', photoId, name))));
}

/** Whether a blob key is one the functions above make: what `shoebox destroy` removes from a bucket. */
export const isPhotoBlobKey = (key: string): boolean => BLOB_KEY.test(key);

type Row = Selectable<PhotoTables['photos']>;

export function toPhoto(row: Row): Photo {
  return {
    id: row.id,
    ownerId: row.owner_id,
    apiKeyId: row.api_key_id,
    status: row.status,
    visibility: row.visibility,
    contentType: row.content_type as PhotoType,
    bytes: Number(row.bytes),
    storedBytes: Number(row.stored_bytes),
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    variants: row.variants === null ? {} : JSON.parse(row.variants),
    failureReason: row.failure_reason,
    originalEtag: row.original_etag,
    uploadExpiresAt: new Date(Number(row.upload_expires_at)),
    version: Number(row.version),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

export function toRow(photo: Photo): Row {
  return {
    id: photo.id,
    owner_id: photo.ownerId,
    api_key_id: photo.apiKeyId,
    status: photo.status,
    visibility: photo.visibility,
    content_type: photo.contentType,
    bytes: photo.bytes,
    stored_bytes: photo.storedBytes,
    width: photo.width,
    height: photo.height,
    variants: Object.keys(photo.variants).length === 0 ? null : JSON.stringify(photo.variants),
    failure_reason: photo.failureReason,
    original_etag: photo.originalEtag,
    upload_expires_at: photo.uploadExpiresAt.getTime(),
    upload_claimed_at: null,
    version: photo.version,
    created_at: photo.createdAt.getTime(),
    updated_at: photo.updatedAt.getTime(),
  };
}

/** The photo as change records carry it: plain JSON, no URLs (they expire). */
export const photoImage = (photo: Photo): Record<string, unknown> => ({
  photoId: photo.id,
  ownerId: photo.ownerId,
  status: photo.status,
  visibility: photo.visibility,
  contentType: photo.contentType,
  bytes: photo.bytes,
  width: photo.width,
  height: photo.height,
  variants: photo.variants,
  failureReason: photo.failureReason,
  version: photo.version,
  createdAt: photo.createdAt.toISOString(),
  updatedAt: photo.updatedAt.toISOString(),
});
