import type { Kysely } from 'kysely';
import type { Database, Tables } from '../db/database.js';
import type { PhotoChange, PhotoChangeLog } from './changes.js';

/**
 * Stand-in for the change stream until stream/outbox.ts is available on this branch: changes
 * recorded in a transaction are handed to `handle` once it commits. Unlike the stream it keeps
 * nothing across a crash; it goes when the photo processor is registered as a stream consumer.
 */
export function directPhotoChanges(
  database: Database,
  handle: (change: PhotoChange) => Promise<void>,
  onError: (error: unknown) => void,
): PhotoChangeLog {
  const recorded = new WeakMap<Kysely<Tables>, PhotoChange[]>();
  // One change at a time, in order, as the stream delivers them.
  let queue = Promise.resolve();
  return {
    async write(work) {
      let changes: PhotoChange[] = [];
      const result = await database.db.transaction().execute(async (trx) => {
        recorded.set(trx, []);
        const value = await work(trx);
        changes = recorded.get(trx) ?? [];
        return value;
      });
      for (const change of changes) queue = queue.then(() => handle(change)).catch(onError);
      return result;
    },
    async record(trx, change) {
      recorded.get(trx)?.push(change);
    },
  };
}
