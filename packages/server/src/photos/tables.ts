import type { Generated } from 'kysely';

/** Photo metadata; the bytes live in the blob store under keys derived from `id`. */
export interface PhotoTables {
  photos: {
    id: string;
    owner_id: string;
    /** pending → processing → ready | failed (see photos/photo.ts). */
    status: 'pending' | 'processing' | 'ready' | 'failed';
    visibility: 'private' | 'public';
    /** The declared (and sniffed) type of the original. */
    content_type: string;
    /** The declared length of the original; an upload must be exactly this long. */
    bytes: number;
    /**
     * What counts against the storage quotas of the owner and the API key: the declared length
     * while pending, the original plus its variants once made, 0 once an abandoned upload is settled.
     */
    stored_bytes: number;
    /** Of the original after orientation, once processed. */
    width: number | null;
    height: number | null;
    /** JSON: variant name → { width, height, bytes, contentType }. */
    variants: string | null;
    failure_reason: string | null;
    /** The ETag of the original `complete` checked; the processor reads only those bytes (null before migration 009). */
    original_etag: string | null;
    /** Until when the signed upload URL works; an upload must be finished (and completed) by then. */
    upload_expires_at: number;
    /** Set while an upload is being received, so one URL cannot feed two uploads at once. */
    upload_claimed_at: number | null;
    version: number;
    created_at: number;
    updated_at: number;
    /** The API key the photo was created through, whose storage quota it counts against (null before migration 011). */
    api_key_id: string | null;
  };
  /** Serialises quota checks per identity (see PhotoStore.lockQuotaHolders), and counts its photos' stored bytes. */
  photo_owners: {
    owner_id: string;
    locked_at: number;
    /** The sum of stored_bytes over the identity's photos, kept by PhotoStore in the transactions that change them. */
    used_bytes: Generated<number>;
  };
  /** Serialises quota checks per API key (see PhotoStore.lockQuotaHolders), and counts its photos' stored bytes. */
  photo_api_keys: {
    api_key_id: string;
    locked_at: number;
    /** The sum of stored_bytes over the photos created through the key. */
    used_bytes: Generated<number>;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends PhotoTables {}
}
