import { type IndexEntry, keyOf, type NoteKey, type SearchIndex } from './index.js';

/** The notes table as the rebuild reads it. */
export interface ReindexSource {
  /** How many notes (live and removed) there are, for the progress bar. */
  count(): Promise<number>;
  /** Notes (live and removed) after `after`, in key order (byKey). */
  page(after: NoteKey | undefined, limit: number): Promise<IndexEntry[]>;
  /** Which of these notes exist at all, as keyOf strings. */
  existing(keys: readonly NoteKey[]): Promise<Set<string>>;
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
  let after: NoteKey | undefined;
  onProgress({ total, done });
  for (;;) {
    const entries = await source.page(after, BATCH);
    const last = entries.at(-1);
    if (!last) break;
    await index.apply(entries, 'not-older');
    done += entries.length;
    after = last;
    onProgress({ total: Math.max(total, done), done });
  }
  let purged = 0;
  after = undefined;
  for (;;) {
    const keys = await index.keys(after, BATCH);
    const last = keys.at(-1);
    if (!last) break;
    const existing = await source.existing(keys);
    const orphans = keys.filter((key) => !existing.has(keyOf(key)));
    await index.purge(orphans);
    purged += orphans.length;
    after = last;
  }
  return { total: Math.max(total, done), done, purged };
}
