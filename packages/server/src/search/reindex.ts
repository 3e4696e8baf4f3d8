import type { IndexEntry, SearchIndex } from './index.js';

/** The notes table as the rebuild reads it. */
export interface ReindexSource {
  /** How many notes (live and removed) there are, for the progress bar. */
  count(): Promise<number>;
  /** Notes (live and removed) with ids after `afterNoteId`, in id order. */
  page(afterNoteId: string, limit: number): Promise<IndexEntry[]>;
  /** Which of these note ids exist at all. */
  existing(noteIds: readonly string[]): Promise<Set<string>>;
}

export interface ReindexProgress {
  readonly total: number;
  readonly done: number;
}

const BATCH = 500;

/**
 * Rebuilds the index from the notes table in place, a batch per transaction, so search keeps
 * answering throughout. Each entry is rewritten at its current version; a note changed meanwhile
 * is at a newer version in the index already (the stream put it there) and is left alone. Entries
 * of notes that do not exist at all are purged.
 */
export async function reindex(
  index: SearchIndex,
  source: ReindexSource,
  onProgress: (progress: ReindexProgress) => void = () => {},
): Promise<ReindexProgress & { purged: number }> {
  const total = await source.count();
  let done = 0;
  let after = '';
  onProgress({ total, done });
  for (;;) {
    const entries = await source.page(after, BATCH);
    const last = entries.at(-1);
    if (!last) break;
    await index.apply(entries, 'not-older');
    done += entries.length;
    after = last.noteId;
    onProgress({ total: Math.max(total, done), done });
  }
  let purged = 0;
  after = '';
  for (;;) {
    const ids = await index.noteIds(after, BATCH);
    const last = ids.at(-1);
    if (last === undefined) break;
    const existing = await source.existing(ids);
    const orphans = ids.filter((id) => !existing.has(id));
    await index.purge(orphans);
    purged += orphans.length;
    after = last;
  }
  return { total: Math.max(total, done), done, purged };
}
