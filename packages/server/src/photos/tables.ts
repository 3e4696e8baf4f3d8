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
    /** What counts against the owner's storage quota: the original, plus the variants once made. */
    stored_bytes: number;
    /** Of the original after orientation, once processed. */
    width: number | null;
    height: number | null;
    /** JSON: variant name → { width, height, bytes, contentType }. */
    variants: string | null;
    failure_reason: string | null;
    /** The ETag of the original `complete` checked; the processor reads only those bytes (null before migration 009). */
    original_etag: string | null;
    /** Until when the signed upload URL works; a pending photo past it no longer counts against the quota. */
    upload_expires_at: number;
    /** Set while an upload is being received, so one URL cannot feed two uploads at once. */
    upload_claimed_at: number | null;
    version: number;
    created_at: number;
    updated_at: number;
  };
  /** Serialises quota checks per identity (see PhotoStore.lockOwner). */
  photo_owners: {
    owner_id: string;
    locked_at: number;
  };
}
