/**
 * One committed write, as the change stream carries it (the role of a DynamoDB stream record).
 * Every capability that owns data records its writes as changes in the same transaction
 * (stream/outbox.ts); consumers learn about writes only through them.
 */
export type ChangeOp = 'INSERT' | 'MODIFY' | 'REMOVE';

export interface Change {
  /** Position in the stream: unique, increasing in insertion order (not always commit order, see claims.ts). */
  seq: number;
  /** What kind of thing changed, e.g. 'note' or 'photo'. */
  entity: string;
  /**
   * The entity's id. Note ids are chosen per identity, so a note is (ownerId, entityId); notes of
   * different owners with one id share an ordering lane in the processor, which orders them more
   * strictly than needed, never less.
   */
  entityId: string;
  /** The identity that owns the entity after the change (before it, for REMOVE). */
  ownerId: string;
  op: ChangeOp;
  /** The entity's version after this change; increases by one with every write of one entity. */
  version: number;
  /**
   * The entity as it was before (null for INSERT). An image may leave out what must not outlive
   * the entity: a note's removal carries no words, and once an identity is deleted or merged away
   * every image of its notes has headline and text blank (outbox.ts, rewriteImages).
   */
  oldImage: Record<string, unknown> | null;
  /** The entity as it is after (null for REMOVE), with the same reservation. */
  newImage: Record<string, unknown> | null;
  createdAt: Date;
}
