import { get, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { startTestServer, type TestServer } from '../testing/harness.js';
import { createGuest, expectProblem, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { callAs, writeAs } from '../testing/requests.js';
import { eventually } from '../testing/shoebox.js';
import { type EventStreamClient, openEventStream } from '../testing/sse.js';

/** Whether the server has closed the response's connection (its end is then readable once paused data is drained). */
async function serverDropped(response: IncomingMessage): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return response.socket?.readableEnded === true || response.socket?.destroyed === true;
}

/** One public URL for every server of a test, so each accepts the others' access tokens. */
const ENV = {
  ...ROOMY_PLAN,
  SHOEBOX_STREAM_RETENTION_HOURS: '0',
  SHOEBOX_PUBLIC_URL: 'http://shoebox.test',
  // Large notes, so a client that stops reading falls far behind in a few writes.
  SHOEBOX_NOTE_TEXT_MAX: '300000',
  SHOEBOX_BODY_LIMIT_BYTES: '1048576',
  SHOEBOX_REALTIME_HEARTBEAT_SECONDS: '1',
};

describe.each(engines)('realtime changes ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  const open: EventStreamClient[] = [];
  const stream = async (who: Pair, options: Parameters<typeof openEventStream>[2] = {}, on: TestServer = server) => {
    const client = await openEventStream(on, who.accessToken, options);
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    open.push(client);
    return client;
  };
  beforeAll(async () => {
    server = await startTestServer({ engine, env: ENV });
    alice = await createGuest(server);
    bob = await createGuest(server);
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await server.stop();
  });

  const note = (who: Pair, headline: string, extra: object = {}, on: TestServer = server) =>
    writeAs(on, who, 'POST', '/v1/notes', { headline, text: 'x', ...extra });
  /** Waits until `client` has an event of the note `noteId` (a marker written last: everything before it has come too). */
  const until = (client: EventStreamClient, noteId: string) =>
    eventually(async () => client.events.some((e) => e.data.data.noteId === noteId) && client.events);

  it('pushes each identity its own changes only, as webhook bodies with stream positions', async () => {
    const aliceStream = await stream(alice);
    const bobStream = await stream(bob);
    const metrics = await (await server.admin('/metrics')).text();
    expect(Number(/^shoebox_realtime_connections (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    const a = await note(alice, 'alice one');
    await note(bob, 'bob one');
    await writeAs(server, alice, 'PUT', `/v1/notes/${a.noteId}`, { headline: 'alice one', text: 'changed' });
    const aliceMarker = await note(alice, 'alice marker');
    const bobMarker = await note(bob, 'bob marker');

    const aliceEvents = await until(aliceStream, aliceMarker.noteId);
    const bobEvents = await until(bobStream, bobMarker.noteId);
    expect(aliceEvents.map((e) => [e.event, e.data.data.headline])).toEqual([
      ['note.created', 'alice one'],
      ['note.updated', 'alice one'],
      ['note.created', 'alice marker'],
    ]);
    expect(bobEvents.map((e) => e.data.data.headline)).toEqual(['bob one', 'bob marker']);
    for (const [events, who] of [
      [aliceEvents, alice],
      [bobEvents, bob],
    ] as const) {
      for (const e of events) {
        expect(e.data).toEqual({
          id: e.id,
          type: e.event,
          createdAt: expect.any(String),
          data: expect.objectContaining({ ownerId: who.identityId }),
        });
      }
      const ids = events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
    }
  });

  it('replays what was missed when reconnecting with Last-Event-ID, then goes on live', async () => {
    const first = await stream(alice);
    const kept = await note(alice, 'before the drop');
    const [seen] = await until(first, kept.noteId);
    first.close();
    const missed = await note(alice, 'while away');
    await writeAs(server, alice, 'DELETE', `/v1/notes/${kept.noteId}`);

    const again = await stream(alice, { lastEventId: seen?.id });
    const live = await note(alice, 'after the reconnect');
    const events = await until(again, live.noteId);
    expect(events.map((e) => [e.event, e.data.data.noteId])).toEqual([
      ['note.created', missed.noteId],
      ['note.deleted', kept.noteId],
      ['note.created', live.noteId],
    ]);
  });

  it('pushes public notes of others to a client that asks, and never their private ones', async () => {
    const watcher = await stream(bob, { publicNotes: true });
    const shared = await note(alice, 'for everyone', { visibility: 'public' });
    await note(alice, 'for alice only');
    const marker = await note(bob, 'bob marker');
    const events = await until(watcher, marker.noteId);
    expect(events.map((e) => e.data.data.noteId)).toEqual([shared.noteId, marker.noteId]);

    // Reconnecting replays the public notes missed meanwhile, and still none of the private ones.
    watcher.close();
    const missed = await note(alice, 'while bob was away', { visibility: 'public' });
    await note(alice, 'still alice’s only');
    const back = await stream(bob, { publicNotes: true, lastEventId: events.at(-1)?.id });
    const again = await note(bob, 'bob is back');
    expect((await until(back, again.noteId)).map((e) => e.data.data.noteId)).toEqual([missed.noteId, again.noteId]);
  });

  it.skipIf(engine.name === 'embedded')('hears writes made through another API process', async () => {
    const other = await startTestServer({ engine, dataDir: server.dataDir, apiKey: server.apiKey, env: ENV });
    try {
      const listening = await stream(alice);
      const made = await note(alice, 'through the other process', {}, other);
      const events = await until(listening, made.noteId);
      expect(events.map((e) => e.data.data.headline)).toEqual(['through the other process']);
    } finally {
      await other.stop();
    }
  });

  it.skipIf(engine.name === 'embedded')('hears changes published by a processor in another process', async () => {
    // An API process that processes nothing: only the other one's publication can reach it.
    const apiOnly = await startTestServer({ engine, dataDir: server.dataDir, apiKey: server.apiKey, env: ENV });
    try {
      await apiOnly.server.shoebox.processor.stop();
      const listening = await stream(alice, {}, apiOnly);
      const made = await note(alice, 'processed elsewhere');
      const events = await until(listening, made.noteId);
      expect(events.map((e) => e.data.data.headline)).toEqual(['processed elsewhere']);
    } finally {
      await apiOnly.stop();
    }
  });

  it('answers 410 cursor_expired for a Last-Event-ID older than what is kept', async () => {
    const marker = await note(alice, 'to be pruned');
    const listening = await stream(alice);
    await until(listening, (await note(alice, 'published')).noteId);
    expect(marker).toBeDefined();
    await eventually(async () => (await server.server.shoebox.processor.prune()) > 0);
    const response = await openEventStream(server, alice.accessToken, { lastEventId: '1' });
    await expectProblem(response.response, 410, 'cursor_expired');
  });

  it('disconnects a client that stops reading rather than buffering for it', async () => {
    const slow = await createGuest(server);
    let ended = false;
    let received = 0;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const url = new URL('/v1/changes/stream', server.url);
      get(url, { headers: { 'x-api-key': server.apiKey, authorization: `Bearer ${slow.accessToken}` } }, resolve).on('error', reject);
    });
    expect(response.statusCode).toBe(200);
    // Reads nothing while the writes go on: the server's buffers fill up.
    response.pause();
    response.on('end', () => (ended = true)).on('close', () => (ended = true));
    const text = 'w'.repeat(250_000);
    let written = 0;
    while (!response.destroyed && written < 200) {
      await writeAs(server, slow, 'POST', '/v1/notes', { headline: `big ${written}`, text });
      written++;
      if (written % 20 === 0 && (await serverDropped(response))) break;
    }
    response.on('data', (chunk: Buffer) => (received += chunk.length));
    response.resume();
    await eventually(async () => ended);
    expect(received).toBeLessThan(written * text.length);
  });

  it('sends heartbeats, and ends the stream once its session is signed out', async () => {
    const leaving = await createGuest(server);
    const client = await stream(leaving);
    await eventually(async () => client.comments.includes(': heartbeat'));
    expect((await callAs(server, leaving, 'POST', '/v1/identities/logout')).status).toBe(204);
    await eventually(async () => client.ended());
  });

  it('refuses a Last-Event-ID that is not a position', async () => {
    const client = await openEventStream(server, alice.accessToken, { lastEventId: 'abc' });
    await expectProblem(client.response, 400, 'validation_failed');
  });

  it('needs an identity', async () => {
    await expectProblem(await server.v1('/v1/changes/stream'), 401, 'access_token_missing');
  });
});
