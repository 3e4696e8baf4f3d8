import type { Kysely } from 'kysely';
import type { Tables } from '../db/database.js';
import type { Change } from '../stream/change.js';
import { type Photo, photoImage } from './photo.js';

/** A photo write as the change stream records it (the stream adds `seq` and `createdAt`). */
export type PhotoChange = Omit<Change, 'seq' | 'createdAt'>;

/**
 * How photo writes reach the change stream (stream/outbox.ts): `write` runs a transaction and
 * wakes the stream's processors once it commits, `record` appends a change inside it, so a write
 * and its change commit together or not at all. A port rather than direct calls, so the photo
 * processor's tests can hand it the changes they choose.
 */
export interface PhotoChangeLog {
  write<T>(work: (trx: Kysely<Tables>) => Promise<T>): Promise<T>;
  record(trx: Kysely<Tables>, change: PhotoChange): Promise<void>;
}

/** The change from `before` to `after`; null on one side means the photo was created or removed. */
export function photoChange(before: Photo | null, after: Photo | null): PhotoChange {
  const photo = after ?? before;
  if (!photo) throw new Error('A change needs a photo on at least one side.');
  return {
    entity: 'photo',
    entityId: photo.id,
    ownerId: photo.ownerId,
    op: before === null ? 'INSERT' : after === null ? 'REMOVE' : 'MODIFY',
    version: after === null ? photo.version + 1 : photo.version,
    oldImage: before && photoImage(before),
    newImage: after && photoImage(after),
  };
}
