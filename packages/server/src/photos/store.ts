import { type Kysely, sql } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import { type Photo, toPhoto, toRow } from './photo.js';

/** A photo rewritten by others this many times in a row is left to the caller to retry. */
const MAX_UPDATE_ATTEMPTS = 5;

/** A photo other writes kept rewriting while `update` tried to write it: the caller may try again. */
export class PhotoKeepsChangingError extends Error {
  constructor(id: string) {
    super(`The photo ${id} kept changing while it was being updated.`);
  }
}

/** Who a photo's bytes count against: its owner, and the API key it was created through (if known). */
export interface QuotaHolders {
  readonly ownerId: string;
  readonly apiKeyId: string | null;
}

/** The column naming a quota holder. */
export type HolderColumn = 'owner_id' | 'api_key_id';

/** In the order their locks are taken: keys first. */
const HOLDERS: readonly HolderColumn[] = ['api_key_id', 'owner_id'];
/** Each holder's lock row, which counts its bytes too. */
const HOLDER_TABLES = { api_key_id: 'photo_api_keys', owner_id: 'photo_owners' } as const;
const HOLDER_FIELDS = { api_key_id: 'apiKeyId', owner_id: 'ownerId' } as const;

export interface ListCursor {
  readonly createdAt: number;
  readonly id: string;
}

/**
 * Photo metadata. Every query that serves an identity names the owner in its WHERE clause, so
 * another identity's photo is never read and then filtered out: it is simply not found. Writes
 * take the transaction they belong to, so the service can record the change beside them.
 */
export class PhotoStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  async insert(trx: Kysely<Tables>, photo: Photo): Promise<void> {
    await trx.insertInto('photos').values(toRow(photo)).execute();
    await this.count(trx, [], [photo]);
  }

  /**
   * Makes concurrent quota checks of the same identity or API key take turns until `trx` ends. The
   * UPDATEs hold row locks in PostgreSQL (whose default isolation would otherwise let two uploads
   * both read the old usage); SQLite runs one write transaction at a time anyway. The key is always
   * locked before the identity, so two checks never wait for each other in opposite orders.
   */
  async lockQuotaHolders(trx: Kysely<Tables>, holders: QuotaHolders, now: number): Promise<void> {
    if (holders.apiKeyId !== null) await this.lockApiKey(trx, holders.apiKeyId, now);
    await this.lockOwner(trx, holders.ownerId, now);
  }

  /**
   * Every API key `ownerId`'s photos count against, in the order their locks are taken: sorted
   * here, as lockHoldersOf sorts, not by the database's collation (which may order ids otherwise).
   */
  async apiKeysOf(trx: Kysely<Tables>, ownerId: string): Promise<string[]> {
    const rows = await trx
      .selectFrom('photos')
      .select('api_key_id')
      .distinct()
      .where('owner_id', '=', ownerId)
      .where('api_key_id', 'is not', null)
      .execute();
    return inLockOrder(rows.flatMap((row) => (row.api_key_id === null ? [] : [row.api_key_id])));
  }

  async lockApiKey(trx: Kysely<Tables>, apiKeyId: string, now: number): Promise<void> {
    await this.lock(trx, 'api_key_id', apiKeyId, now);
  }

  /** The identity's lock alone: deleting a photo and linking notes to photos take it as well (see note-references.ts). */
  async lockOwner(trx: Kysely<Tables>, ownerId: string, now: number): Promise<void> {
    await this.lock(trx, 'owner_id', ownerId, now);
  }

  /** An upsert holds the row's lock until `trx` ends (PostgreSQL), whether or not the row was there. */
  private async lock(trx: Kysely<Tables>, holder: HolderColumn, id: string, now: number): Promise<void> {
    await sql`
      insert into ${sql.table(HOLDER_TABLES[holder])} (${sql.ref(holder)}, locked_at) values (${id}, ${now})
      on conflict (${sql.ref(holder)}) do update set locked_at = excluded.locked_at`.execute(trx);
  }

  async forgetOwner(trx: Kysely<Tables>, ownerId: string): Promise<void> {
    await trx.deleteFrom('photo_owners').where('owner_id', '=', ownerId).execute();
  }

  /**
   * Bytes counted against an identity's (`owner_id`) or an API key's (`api_key_id`) quota: the
   * stored bytes of its photos, which are the declared length while a photo is pending (see tables.ts).
   * One row, kept by `count`, however many photos the holder has.
   */
  async usage(holder: HolderColumn, id: string, trx: Kysely<Tables> = this.db): Promise<number> {
    const { rows } = await sql<{ used_bytes: number | string }>`
      select used_bytes from ${sql.table(HOLDER_TABLES[holder])} where ${sql.ref(holder)} = ${id}`.execute(trx);
    return Number(rows[0]?.used_bytes ?? 0);
  }

  /** The quota locks of the photos' API keys, then of their owners, each in id order. */
  private async lockHoldersOf(trx: Kysely<Tables>, photos: readonly Photo[]): Promise<void> {
    const now = Date.now();
    for (const holder of HOLDERS) {
      const ids = new Set(photos.flatMap((photo) => photo[HOLDER_FIELDS[holder]] ?? []));
      for (const id of inLockOrder(ids)) await this.lock(trx, holder, id, now);
    }
  }

  /**
   * Keeps each holder's used_bytes equal to the stored bytes of its photos, in the transaction that
   * changes them from `before` to `after`. API keys before identities, each in id order: the order
   * the quota locks are taken in, so two writers never wait for each other in opposite orders.
   */
  private async count(trx: Kysely<Tables>, before: readonly Photo[], after: readonly Photo[]): Promise<void> {
    const deltas: Record<HolderColumn, Map<string, number>> = { api_key_id: new Map(), owner_id: new Map() };
    const add = (holder: HolderColumn, id: string | null, bytes: number) => {
      if (id !== null) deltas[holder].set(id, (deltas[holder].get(id) ?? 0) + bytes);
    };
    for (const photo of before) for (const holder of HOLDERS) add(holder, photo[HOLDER_FIELDS[holder]], -photo.storedBytes);
    for (const photo of after) for (const holder of HOLDERS) add(holder, photo[HOLDER_FIELDS[holder]], photo.storedBytes);
    for (const holder of HOLDERS) {
      const table = sql.table(HOLDER_TABLES[holder]);
      for (const [id, bytes] of changed(deltas[holder])) {
        await sql`
          insert into ${table} (${sql.ref(holder)}, locked_at, used_bytes) values (${id}, 0, ${bytes})
          on conflict (${sql.ref(holder)}) do update set used_bytes = ${table}.used_bytes + excluded.used_bytes`.execute(trx);
      }
    }
  }

  /**
   * Pending photos (of an identity, an API key, or one photo by id) whose upload URL expired while
   * no upload held them: abandoned, as no upload can start or be completed any more. An upload
   * claim older than `staleBefore` belongs to a receiver that died and holds nothing.
   */
  async abandonedUploads(where: HolderColumn | 'id', id: string, now: number, staleBefore: number, limit: number): Promise<Photo[]> {
    const rows = await this.db
      .selectFrom('photos')
      .selectAll()
      .where(where, '=', id)
      .where('status', '=', 'pending')
      .where('upload_expires_at', '<=', now)
      .where((eb) => eb.or([eb('upload_claimed_at', 'is', null), eb('upload_claimed_at', '<', staleBefore)]))
      .limit(limit)
      .execute();
    return rows.map(toPhoto);
  }

  /** Any photo by id: for the processor and signed uploads, whose authority is not an identity. */
  async find(id: string, trx: Kysely<Tables> = this.db): Promise<Photo | undefined> {
    const row = await trx.selectFrom('photos').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPhoto(row);
  }

  async findOwned(id: string, ownerId: string, trx: Kysely<Tables> = this.db): Promise<Photo | undefined> {
    const row = await trx.selectFrom('photos').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
    return row && toPhoto(row);
  }

  /** A photo `viewerId` may see: their own, or anyone's public photo once it is ready. */
  async findVisible(id: string, viewerId: string): Promise<Photo | undefined> {
    const row = await this.db
      .selectFrom('photos')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => eb.or([eb('owner_id', '=', viewerId), eb.and([eb('visibility', '=', 'public'), eb('status', '=', 'ready')])]))
      .executeTakeFirst();
    return row && toPhoto(row);
  }

  /** A public, ready photo, for its stable unsigned URLs. */
  async findPublic(id: string): Promise<Photo | undefined> {
    const row = await this.db
      .selectFrom('photos')
      .selectAll()
      .where('id', '=', id)
      .where('visibility', '=', 'public')
      .where('status', '=', 'ready')
      .executeTakeFirst();
    return row && toPhoto(row);
  }

  /** `ownerId`'s photos, newest first, after `cursor`. */
  async listOwned(ownerId: string, limit: number, cursor?: ListCursor): Promise<Photo[]> {
    let query = this.db.selectFrom('photos').selectAll().where('owner_id', '=', ownerId);
    if (cursor) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toPhoto);
  }

  /** Which of `ids` are photos of `ownerId`. */
  async ownedAmong(trx: Kysely<Tables>, ownerId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await trx.selectFrom('photos').select('id').where('owner_id', '=', ownerId).where('id', 'in', ids).execute();
    return new Set(rows.map((row) => row.id));
  }

  async listAllOwned(trx: Kysely<Tables>, ownerId: string): Promise<Photo[]> {
    const rows = await trx.selectFrom('photos').selectAll().where('owner_id', '=', ownerId).execute();
    return rows.map(toPhoto);
  }

  /**
   * Writes `next` over the stored photo if it is still at `next.version - 1`; false when another
   * write came first (the caller re-reads and decides again).
   */
  private async replace(trx: Kysely<Tables>, next: Photo): Promise<boolean> {
    const { id, upload_claimed_at: _claim, ...columns } = toRow(next);
    const result = await trx
      .updateTable('photos')
      .set(columns)
      .where('id', '=', id)
      .where('version', '=', next.version - 1)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Writes `change(current)` over the latest version of the photo, at the next version; `change`
   * answers undefined to leave the photo as it is. Where writers run concurrently (PostgreSQL runs
   * the photo processor beside requests), a write that lands first makes this re-read and decide
   * again. Answers the photo before (undefined: there is none) and after (undefined: unchanged);
   * throws PhotoKeepsChangingError when other writes land first every time.
   */
  async update(
    trx: Kysely<Tables>,
    id: string,
    change: (current: Photo) => Photo | undefined,
  ): Promise<{ before: Photo | undefined; after: Photo | undefined }> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const before = await this.find(id, trx);
      const next = before && change(before);
      if (!before || !next) return { before, after: undefined };
      const after: Photo = { ...next, version: before.version + 1, updatedAt: new Date() };
      // The quota locks before the photo's row, as every writer of the counters takes them.
      if (countsChange(before, after)) await this.lockHoldersOf(trx, [before, after]);
      if (await this.replace(trx, after)) {
        await this.count(trx, [before], [after]);
        return { before, after };
      }
    }
    throw new PhotoKeepsChangingError(id);
  }

  /** Deletes `ownerId`'s photo, whatever its version; answers the photo as it was deleted. */
  async deleteOwned(trx: Kysely<Tables>, id: string, ownerId: string): Promise<Photo | undefined> {
    const row = await trx.deleteFrom('photos').where('id', '=', id).where('owner_id', '=', ownerId).returningAll().executeTakeFirst();
    const photo = row && toPhoto(row);
    if (photo) await this.count(trx, [photo], []);
    return photo;
  }

  /** Deletes every photo of `ownerId`; answers them as they were deleted. */
  async deleteAllOwned(trx: Kysely<Tables>, ownerId: string): Promise<Photo[]> {
    const photos = (await trx.deleteFrom('photos').where('owner_id', '=', ownerId).returningAll().execute()).map(toPhoto);
    await this.count(trx, photos, []);
    return photos;
  }

  /**
   * Marks a pending photo's upload as being received or completed, unless another one holds it
   * (a claim older than `staleBefore` belongs to a process that died and is taken over) or its
   * URL has expired: from then on nothing may start taking bytes for it (see abandonedUploads).
   */
  async claimUpload(id: string, now: number, staleBefore: number): Promise<boolean> {
    const result = await this.db
      .updateTable('photos')
      .set({ upload_claimed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('upload_expires_at', '>', now)
      .where((eb) => eb.or([eb('upload_claimed_at', 'is', null), eb('upload_claimed_at', '<', staleBefore)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async releaseUpload(id: string, claimedAt: number): Promise<void> {
    await this.db
      .updateTable('photos')
      .set({ upload_claimed_at: null })
      .where('id', '=', id)
      .where('upload_claimed_at', '=', claimedAt)
      .execute();
  }
}

/** The order locks of one kind of holder are taken in: by UTF-16 code units, the same in every process. */
const lockOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const inLockOrder = (ids: Iterable<string>): string[] => [...ids].sort(lockOrder);

/** The holders whose bytes changed, in lock order. */
const changed = (bytes: Map<string, number>): [string, number][] =>
  [...bytes].filter(([, delta]) => delta !== 0).sort(([a], [b]) => lockOrder(a, b));

/** Whether writing `after` over `before` moves bytes between or within quota holders. */
const countsChange = (before: Photo, after: Photo): boolean =>
  before.storedBytes !== after.storedBytes || before.ownerId !== after.ownerId || before.apiKeyId !== after.apiKeyId;
