import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callerOf } from '../http/caller.js';
import { answer } from '../http/schemas.js';
import { identityRouteProblems, identitySecurity } from '../identity/bearer-problems.js';
import type { IdentityService } from '../identity/service.js';
import { EventStream } from './event-stream.js';
import type { ChangeFeed } from './feed.js';
import { isPublicNote, type RealtimeHub } from './hub.js';
import { ChangesPageSchema, ChangesQuery, Cursor, StreamQuery } from './schemas.js';

const tags = ['changes'];
const REPLAY_CHUNK = 500;

/** /v1/changes: the caller's change feed for offline sync, and its realtime stream. */
export function changeRoutes(
  feed: ChangeFeed,
  hub: RealtimeHub,
  identities: Pick<IdentityService, 'assertLive'>,
  heartbeatSeconds: number,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/changes',
      {
        schema: {
          operationId: 'listChanges',
          tags,
          security: identitySecurity,
          summary: 'Your notes and photos changed since a cursor: current versions and tombstones',
          querystring: ChangesQuery,
          response: {
            200: answer(ChangesPageSchema, 'Your changes after the cursor'),
            ...identityRouteProblems('validation_failed', 'cursor_expired'),
          },
        },
      },
      async (request) => feed.page(callerOf(request), Number(request.query.since ?? 0), request.query.limit),
    );

    // Open streams would hold shutdown up until its timeout: they end first, and clients reconnect elsewhere.
    app.addHook('preClose', async () => hub.endAll());

    app.get(
      '/changes/stream',
      {
        schema: {
          operationId: 'streamChanges',
          tags,
          security: identitySecurity,
          summary: 'Your note and photo changes as they commit, as Server-Sent Events',
          description:
            'Each event has `id:` its stream position, `event:` its type (note.created, note.updated, note.deleted, photo.ready, ' +
            'photo.failed, photo.deleted) and `data:` the webhook body `{ id, type, createdAt, data }`. Reconnect with ' +
            '`Last-Event-ID` to get what was missed (410 cursor_expired when it is older than what is kept); a comment ' +
            'every few seconds (15 by default) keeps proxies from closing an idle stream; the stream ends by the next one once ' +
            'the session is signed out or the identity deleted or disabled; a client that reads too slowly is disconnected.',
          querystring: StreamQuery,
          headers: Type.Object({ 'last-event-id': Type.Optional(Cursor) }),
          produces: ['text/event-stream'],
          response: {
            200: Type.Unsafe<PassThrough>({ type: 'string', description: 'A text/event-stream that stays open' }),
            ...identityRouteProblems('validation_failed', 'cursor_expired'),
          },
        },
      },
      async (request, reply) => {
        const ownerId = callerOf(request);
        const lastEventId = request.headers['last-event-id'];
        const since = lastEventId === undefined ? undefined : Number(lastEventId);
        if (since !== undefined) await feed.assertRetained(since);
        const out = new PassThrough();
        let stop = () => {};
        out.on('close', () => stop());
        const sessionId = request.identitySessionId ?? '';
        const stillAllowed = () =>
          identities.assertLive(ownerId, sessionId).then(
            () => true,
            () => false,
          );
        const stream = new EventStream(ownerId, request.query.public, out, since ?? 0, stillAllowed, heartbeatSeconds * 1000);
        const listening = await hub.listen(stream);
        stop = listening.stop;
        reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache, no-transform')
          .header('x-accel-buffering', 'no');
        void replay(stream, since, listening.from).catch((error) => {
          request.log.warn({ err: error }, 'realtime replay failed; the client reconnects');
          out.destroy();
        });
        return reply.send(out);
      },
    );

    /** Writes what the caller missed after `since` (public notes too, if asked) up to where the hub started, then lets live changes through. */
    async function replay(stream: EventStream, since: number | undefined, through: number): Promise<void> {
      const { ownerId, publicNotes } = stream;
      let after = since ?? through;
      while (after < through) {
        const changes = await feed.changesOf(ownerId, after, REPLAY_CHUNK, { through, everyone: publicNotes });
        for (const change of changes) if (change.ownerId === ownerId || isPublicNote(change)) stream.send(change);
        if (changes.length < REPLAY_CHUNK) break;
        after = changes.at(-1)?.seq ?? through;
      }
      stream.live();
    }
  };
}
