export type Visibility = 'private' | 'public';

/** What a remembered create did, in the notes' own terms: the route says it in HTTP. */
export type CreateOutcome = 'created';

export interface NoteTables {
  /**
   * Keyed by (owner_id, note_id): every identity has its own note ids. Deleted notes stay as
   * tombstones (content wiped) so the version of an identity's note id never goes back.
   */
  notes: {
    note_id: string;
    owner_id: string;
    headline: string;
    text: string;
    /** JSON array of photo ids, in the order given. */
    photo_ids: string;
    visibility: Visibility;
    version: number;
    created_at: number;
    updated_at: number;
    deleted_at: number | null;
  };
  /** Which live notes reference which photos: for "notes of this photo" without parsing JSON. Keyed by (owner_id, note_id, photo_id). */
  note_photos: {
    note_id: string;
    photo_id: string;
    owner_id: string;
  };
  /** The first answer to a POST with an Idempotency-Key, per identity, replayed to retries. */
  note_idempotency: {
    owner_id: string;
    idempotency_key: string;
    request_hash: string;
    /** What the request did (migration 019; earlier rows, all creates, read `created`). */
    outcome: CreateOutcome;
    response: string;
    created_at: number;
  };
}

// Adds these tables to the schema every store's Kysely instance sees (db/database.ts).
declare module '../db/database.js' {
  interface Tables extends NoteTables {}
}
