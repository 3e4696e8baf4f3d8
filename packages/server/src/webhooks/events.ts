import type { Change } from '../stream/change.js';

/** The event types receivers can subscribe to: part of the public wire format. */
export const WEBHOOK_EVENT_TYPES = [
  'note.created',
  'note.updated',
  'note.deleted',
  'photo.ready',
  'photo.failed',
  'photo.deleted',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event as receivers (webhooks, realtime clients) get it, without its id. */
export interface ChangeEvent {
  readonly type: WebhookEventType;
  readonly createdAt: string;
  /** The note or photo after the change (before it, without the words of a note, for a deletion). */
  readonly data: Record<string, unknown>;
}

const NOTE_TYPES = { INSERT: 'note.created', MODIFY: 'note.updated', REMOVE: 'note.deleted' } as const;

/**
 * The event a change makes, if any. Every note write is one; of a photo's writes only the end of
 * its processing (ready or failed) and its removal are: the rest is upload bookkeeping.
 */
export function eventOf(change: Change): ChangeEvent | undefined {
  const createdAt = change.createdAt.toISOString();
  const data = change.newImage ?? change.oldImage;
  if (data === null) return undefined;
  if (change.entity === 'note') return { type: NOTE_TYPES[change.op], createdAt, data };
  if (change.entity !== 'photo') return undefined;
  if (change.op === 'REMOVE') return { type: 'photo.deleted', createdAt, data };
  const became = (status: string) => change.newImage?.status === status && change.oldImage?.status !== status;
  if (became('ready')) return { type: 'photo.ready', createdAt, data };
  if (became('failed')) return { type: 'photo.failed', createdAt, data };
  return undefined;
}

/** The ordering lane of a change's entity: its deliveries go one at a time, in stream order. */
export const laneOf = (change: Pick<Change, 'entity' | 'ownerId' | 'entityId'>): string =>
  `${change.entity}:${change.ownerId}:${change.entityId}`;
