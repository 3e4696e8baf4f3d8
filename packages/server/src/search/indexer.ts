import { Type } from 'typebox';
import { assertValid } from '../shared/validate.js';
import type { Change } from '../stream/change.js';
import type { StreamConsumer } from '../stream/consumer.js';
import type { IndexEntry, SearchIndex } from './index.js';

/** The parts of a note's change image the index needs; anything else in the image is ignored. */
const NoteImage = Type.Object({
  headline: Type.String(),
  text: Type.String(),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('public')]),
  updatedAt: Type.String({ format: 'date-time' }),
});

/**
 * Keeps the search index in step with notes. Idempotent and order-proof: the index applies a
 * change only when its version is newer than what it holds, so a duplicate or a late older change
 * is a no-op. A change whose image is malformed throws, which retries and then dead-letters it.
 */
export class SearchIndexer implements StreamConsumer {
  readonly name = 'search';
  readonly entities = ['note'] as const;

  constructor(private readonly index: SearchIndex) {}

  async handle(change: Change): Promise<void> {
    await this.index.apply([entryOf(change)]);
  }

  /** Checks every image first, then writes the whole run in one transaction. */
  async handleBatch(changes: readonly Change[]): Promise<void> {
    await this.index.apply(changes.map(entryOf));
  }
}

function entryOf(change: Change): IndexEntry {
  if (change.op === 'REMOVE') return { noteId: change.entityId, ownerId: change.ownerId, version: change.version, removed: true };
  const image = assertValid(NoteImage, change.newImage, `change ${change.seq} newImage`);
  return {
    noteId: change.entityId,
    ownerId: change.ownerId,
    visibility: image.visibility,
    headline: image.headline,
    text: image.text,
    version: change.version,
    updatedAt: new Date(image.updatedAt),
    removed: false,
  };
}
