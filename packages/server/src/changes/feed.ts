import type { Database } from '../db/database.js';
import { Problem } from '../errors.js';
import { noteJson } from '../notes/note.js';
import type { NotesService } from '../notes/service.js';
import type { PhotoService } from '../photos/service.js';
import type { Change } from '../stream/change.js';
import { toChange } from '../stream/claims.js';

export type ChangeKind = 'note' | 'photo';

/** One entry of the feed: the current note or photo, or null when it is gone (a tombstone). */
export interface FeedEntry {
  readonly type: ChangeKind;
  readonly id: string;
  readonly data: Record<string, unknown> | null;
}

export interface FeedPage {
  readonly changes: FeedEntry[];
  /** Where the next call starts (`since`); the stream position of the last change read. */
  readonly cursor: string;
  readonly hasMore: boolean;
}

/** The id a client knows an entity by. */
const idOf = (change: Change): string => change.entityId;

/**
 * The caller's changes in stream order, for devices keeping a local copy. Reads only what the
 * publication has passed (published.ts), and only the caller's own rows (owner in the query).
 */
export class ChangeFeed {
  constructor(
    private readonly database: Database,
    private readonly published: () => Promise<number>,
    private readonly notes: NotesService,
    private readonly photos: PhotoService,
  ) {}

  /**
   * Raw changes after `since`, up to what is published (or `options.through`), oldest first: the
   * caller's own, or with `options.everyone` those of every identity (the realtime replay of public
   * notes filters them; nothing else may see them).
   */
  async changesOf(
    ownerId: string,
    since: number,
    limit: number,
    options: { readonly through?: number; readonly everyone?: boolean } = {},
  ): Promise<Change[]> {
    const { through, everyone = false } = options;
    const upTo = through ?? (await this.published());
    if (upTo <= since) return [];
    let query = this.database.db
      .selectFrom('stream_changes')
      .selectAll()
      .where('seq', '>', since)
      .where('seq', '<=', upTo)
      .where('entity', 'in', ['note', 'photo'])
      .orderBy('seq')
      .limit(limit);
    if (!everyone) query = query.where('owner_id', '=', ownerId);
    return (await query.execute()).map(toChange);
  }

  /** Refuses a cursor below what pruning may have deleted: the client must read everything again. */
  async assertRetained(since: number): Promise<void> {
    if (since === 0) return;
    const pruned = await this.database.db.selectFrom('stream_pruned').select('through').where('name', '=', 'stream').executeTakeFirst();
    if (pruned && since < Number(pruned.through)) {
      throw new Problem(
        'cursor_expired',
        `Changes after ${since} are no longer kept. Drop the local copy, read everything again and use the new cursor.`,
        {
          extensions: { oldestCursor: String(pruned.through) },
        },
      );
    }
  }

  /**
   * A page of the feed: each note or photo that changed after `since` once, with its current
   * state (or null once deleted), in the order of its last change in the page.
   */
  async page(ownerId: string, since: number, limit: number): Promise<FeedPage> {
    await this.assertRetained(since);
    const read = await this.changesOf(ownerId, since, limit + 1);
    const hasMore = read.length > limit;
    const changes = read.slice(0, limit);
    const latest = new Map<string, Change>();
    for (const change of changes) {
      const key = `${change.entity}:${idOf(change)}`;
      latest.delete(key);
      latest.set(key, change);
    }
    const entries: FeedEntry[] = [];
    for (const change of latest.values()) {
      const type = change.entity as ChangeKind;
      entries.push({ type, id: idOf(change), data: await this.current(ownerId, type, idOf(change)) });
    }
    return { changes: entries, cursor: String(changes.at(-1)?.seq ?? since), hasMore };
  }

  private async current(ownerId: string, type: ChangeKind, id: string): Promise<Record<string, unknown> | null> {
    try {
      if (type === 'note') return noteJson(await this.notes.get(ownerId, id));
      return (await this.photos.get(ownerId, id)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof Problem && error.code === 'not_found') return null;
      throw error;
    }
  }
}
