import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toChange } from '../stream/claims.js';
import { TestClock } from '../testing/clock.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { createGuest, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { image } from '../testing/images.js';
import { uploadPhoto } from '../testing/photos.js';
import { callAs, withJson, writeAs } from '../testing/requests.js';
import { eventually } from '../testing/shoebox.js';
import { type Behaviour, startReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js';

/** Fast retries and a short timeout, so a receiver that hangs or fails costs the test little. */
const FAST = {
  ...ROOMY_PLAN,
  SHOEBOX_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  SHOEBOX_WEBHOOK_TIMEOUT_MS: '400',
  SHOEBOX_WEBHOOK_RETRY_BASE_MS: '20',
  SHOEBOX_WEBHOOK_RETRY_MAX_MS: '200',
};

/** Registers a webhook for `receiver`, which then verifies signatures with its secret. */
async function register(server: TestServer, receiver: WebhookReceiver, events: string[]): Promise<any> {
  const response = await server.admin('/admin/webhooks', withJson('POST', { url: receiver.url, events }));
  expect(response.status).toBe(201);
  const webhook = await json(response);
  receiver.secrets.push(webhook.secret);
  return webhook;
}

const deliveries = async (server: TestServer, webhookId: string, query = '') =>
  (await json(await server.admin(`/admin/webhooks/${webhookId}/deliveries${query}`))).deliveries;

describe.each(engines)('webhook delivery ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (behaviour?: Behaviour) => {
    const started = await startReceiver(behaviour);
    receivers.push(started);
    return started;
  };
  beforeAll(async () => {
    server = await startTestServer({ engine, env: FAST });
    alice = await createGuest(server);
    bob = await createGuest(server);
  });
  afterEach(async () => {
    // Each test's webhooks go, so the next test's receivers hear only their own writes.
    for (const webhook of (await json(await server.admin('/admin/webhooks'))).webhooks) {
      await server.admin(`/admin/webhooks/${webhook.id}`, { method: 'DELETE' });
    }
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => server.stop());

  const write = (who: Pair, method: string, path: string, body?: unknown) => writeAs(server, who, method, path, body);

  it('gets every event once after de-duplication, in order per note, signed, through failures and timeouts', async () => {
    // Fails, hangs past the timeout and answers in turn for a while, then recovers.
    const flaky = await receiver((index) => (index >= 24 ? 200 : (([500, 'hang', 200, 503] as const)[index % 4] ?? 200)));
    await register(server, flaky, ['note.created', 'note.updated', 'note.deleted']);
    const notes = [];
    for (let i = 0; i < 3; i++) notes.push(await write(alice, 'POST', '/v1/notes', { headline: `note ${i}`, text: 'first' }));
    for (const note of notes) {
      await write(alice, 'PUT', `/v1/notes/${note.noteId}`, { headline: note.headline, text: 'second' });
      await write(alice, 'PUT', `/v1/notes/${note.noteId}`, { headline: note.headline, text: 'third' });
    }
    await write(alice, 'DELETE', `/v1/notes/${notes[0].noteId}`);
    const bobs = await write(bob, 'POST', '/v1/notes', { headline: 'bob', text: 'his' });
    const expected = 3 + 6 + 1 + 1;

    const acknowledged = await eventually(async () => flaky.acknowledged().length >= expected && flaky.acknowledged());
    expect(acknowledged).toHaveLength(expected);
    expect(flaky.received.some((r) => r.answer === 'hang')).toBe(true);
    for (const request of flaky.received) {
      expect(request.signedWith).toEqual(flaky.secrets);
      expect(request.body).toEqual({
        id: request.deliveryId,
        type: expect.any(String),
        createdAt: expect.any(String),
        data: expect.any(Object),
      });
    }
    // Every attempt of one delivery sends the same bytes.
    const bodies = new Map<string, Set<string>>();
    for (const r of flaky.received) bodies.set(r.deliveryId, (bodies.get(r.deliveryId) ?? new Set()).add(r.raw));
    for (const set of bodies.values()) expect(set.size).toBe(1);

    const history = (noteId: string) =>
      acknowledged.filter((r) => r.body.data.noteId === noteId).map((r) => `${r.body.type} v${r.body.data.version}`);
    expect(history(notes[0].noteId)).toEqual(['note.created v1', 'note.updated v2', 'note.updated v3', 'note.deleted v3']);
    for (const note of notes.slice(1)) expect(history(note.noteId)).toEqual(['note.created v1', 'note.updated v2', 'note.updated v3']);
    expect(history(bobs.noteId)).toEqual(['note.created v1']);
    const owners = new Set(acknowledged.map((r) => r.body.data.ownerId));
    expect(owners).toEqual(new Set([alice.identityId, bob.identityId]));
  });

  it('keeps a hanging endpoint from holding up other webhooks and the note writes', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const stuck = await register(server, hanging, ['note.created']);
    await register(server, healthy, ['note.created']);
    const written = [];
    for (let i = 0; i < 6; i++) written.push((await write(alice, 'POST', '/v1/notes', { headline: `busy ${i}`, text: 'x' })).noteId);
    const got = await eventually(async () => healthy.acknowledged().length >= written.length && healthy.acknowledged());
    expect(got.map((r) => r.body.data.noteId).sort()).toEqual([...written].sort());
    const log = await eventually(async () => {
      const entries = await deliveries(server, stuck.id);
      return entries.some((d: any) => d.attempts > 0) && entries;
    });
    expect(log.every((d: any) => d.status === 'pending')).toBe(true);
    expect(log.find((d: any) => d.attempts > 0).lastError).toMatch(/no answer within 400 ms/);
  });

  it('sends photo.ready and photo.deleted, and only the events a webhook asked for', async () => {
    const photos = await receiver();
    await register(server, photos, ['photo.ready', 'photo.deleted']);
    const photo = await uploadPhoto(server, alice.accessToken, await image('jpeg'));
    expect(photo.status).toBe('ready');
    await write(alice, 'POST', '/v1/notes', { headline: 'not asked for', text: 'x' });
    await write(alice, 'DELETE', `/v1/photos/${photo.photoId}`);
    const got = await eventually(async () => photos.acknowledged().length >= 2 && photos.acknowledged());
    expect(got.map((r) => [r.body.type, r.body.data.photoId])).toEqual([
      ['photo.ready', photo.photoId],
      ['photo.deleted', photo.photoId],
    ]);
    expect(got[0]?.body.data).toMatchObject({ status: 'ready', ownerId: alice.identityId });
  });

  it('queues while paused and sends once resumed', async () => {
    const later = await receiver();
    const webhook = await register(server, later, ['note.created']);
    expect((await server.admin(`/admin/webhooks/${webhook.id}`, withJson('PATCH', { paused: true }))).status).toBe(200);
    const { noteId } = await write(alice, 'POST', '/v1/notes', { headline: 'while paused', text: 'x' });
    await eventually(async () => (await deliveries(server, webhook.id)).length === 1);
    expect(later.received).toEqual([]);
    const metrics = await (await server.admin('/metrics')).text();
    expect(Number(/^shoebox_webhook_deliveries\{status="pending"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    await server.admin(`/admin/webhooks/${webhook.id}`, withJson('PATCH', { paused: false }));
    const got = await eventually(async () => later.acknowledged().length === 1 && later.acknowledged());
    expect(got[0]?.body.data.noteId).toBe(noteId);
    const log = await eventually(async () => {
      const entries = await deliveries(server, webhook.id);
      return entries[0]?.status === 'delivered' && entries;
    });
    expect(log).toMatchObject([{ status: 'delivered', attempts: 1, lastStatusCode: 200 }]);
  });

  it("blanks a deleted identity's words in deliveries still queued", async () => {
    const held = await receiver();
    const webhook = await register(server, held, ['note.created', 'note.deleted']);
    await server.admin(`/admin/webhooks/${webhook.id}`, withJson('PATCH', { paused: true }));
    const leaving = await createGuest(server);
    const { noteId } = await writeAs(server, leaving, 'POST', '/v1/notes', { headline: 'secret words', text: 'more of them' });
    await eventually(async () => (await deliveries(server, webhook.id)).length === 1);
    expect((await callAs(server, leaving, 'DELETE', '/v1/identities/me')).status).toBe(204);
    await server.admin(`/admin/webhooks/${webhook.id}`, withJson('PATCH', { paused: false }));
    const got = await eventually(async () => held.acknowledged().length === 2 && held.acknowledged());
    expect(got.map((r) => [r.body.type, r.body.data.noteId, r.body.data.headline, r.body.data.text])).toEqual([
      ['note.created', noteId, '', ''],
      ['note.deleted', noteId, '', ''],
    ]);
    expect(held.received.every((r) => !r.raw.includes('secret words'))).toBe(true);
  });

  it('queues no words of a change read before its identity was deleted and fanned out after', async () => {
    const webhook = await register(server, await receiver(), ['note.created']);
    await server.admin(`/admin/webhooks/${webhook.id}`, withJson('PATCH', { paused: true }));
    const { database, webhooks } = server.server.shoebox;
    const [leaving, staying] = [await createGuest(server), await createGuest(server)];
    const changesOf = async (who: Pair) => {
      await writeAs(server, who, 'POST', '/v1/notes', { headline: 'secret words', text: 'more of them' });
      const rows = await database.db.selectFrom('stream_changes').selectAll().where('owner_id', '=', who.identityId).execute();
      return rows.map(toChange);
    };
    // As the fan-out holds them between reading the stream and queueing (a late seq, so nothing is queued for it yet).
    const held = [...(await changesOf(leaving)), ...(await changesOf(staying))].map((change) => ({ ...change, seq: change.seq + 1e9 }));
    expect((await callAs(server, leaving, 'DELETE', '/v1/identities/me')).status).toBe(204);
    await webhooks.fanout.handleBatch(held);
    const bodies = async (who: Pair) =>
      (
        await database.db
          .selectFrom('webhook_deliveries')
          .select('body')
          .where('owner_id', '=', who.identityId)
          .where('seq', '>', 1e9)
          .execute()
      )
        .map((row) => JSON.parse(row.body).data)
        .map(({ headline, text }) => [headline, text]);
    expect(await bodies(leaving)).toEqual([['', '']]);
    expect(await bodies(staying)).toEqual([['secret words', 'more of them']]);
  });
});

describe.each(engines)('webhook dead letters and redirects ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  const clock = new TestClock();
  beforeAll(async () => {
    server = await startTestServer({ engine, clock, env: { ...FAST, SHOEBOX_WEBHOOK_RETRY_PERIOD_SECONDS: '3600' } });
  });
  // A guest of each test's own: a test that moves the clock an hour ends the access tokens made before.
  beforeEach(async () => {
    alice = await createGuest(server);
  });
  afterAll(() => server.stop());

  it('makes a dead letter once the retry period is over, and re-drives it', async () => {
    const down = await startReceiver(() => 500);
    try {
      const webhook = await register(server, down, ['note.created']);
      await callAs(server, alice, 'POST', '/v1/notes', { headline: 'lost?', text: 'no' });
      const [failing] = await eventually(async () => {
        const log = await deliveries(server, webhook.id);
        return log[0]?.attempts >= 2 && log;
      });
      // Within its retry period a failing delivery is tried again, not given up.
      expect(failing).toMatchObject({ status: 'pending', lastStatusCode: 500 });
      clock.advance(3600_000);
      const [dead] = await eventually(async () => {
        const log = await deliveries(server, webhook.id, '?status=dead');
        return log.length === 1 && log;
      });
      expect(dead).toMatchObject({ status: 'dead', lastStatusCode: 500, lastError: 'answered HTTP 500', nextAttemptAt: null });
      expect(dead.attempts).toBeGreaterThanOrEqual(1);

      down.behaviour = () => 200;
      const redrive = await server.admin(`/admin/webhooks/${webhook.id}/deliveries/${dead.id}/redrive`, { method: 'POST' });
      expect(await json(redrive)).toEqual({ redriven: 1 });
      const got = await eventually(async () => down.acknowledged().length === 1 && down.acknowledged());
      expect(got[0]?.deliveryId).toBe(dead.id);
      // The attempt is recorded once the answer is in: wait for it rather than race it.
      const log = await eventually(async () => {
        const entries = await deliveries(server, webhook.id);
        return entries[0]?.status === 'delivered' && entries;
      });
      expect(log).toMatchObject([{ id: dead.id, status: 'delivered', attempts: 1 }]);
    } finally {
      await down.close();
    }
  });

  it('refuses a redirect to an address the allow-list does not name', async () => {
    const redirecting = await startReceiver();
    redirecting.behaviour = () => ({ redirect: `${redirecting.url.replace('127.0.0.1', '127.0.0.2')}` });
    try {
      const webhook = await register(server, redirecting, ['note.created']);
      await callAs(server, alice, 'POST', '/v1/notes', { headline: 'redirected', text: 'x' });
      const [entry] = await eventually(async () => {
        const log = await deliveries(server, webhook.id);
        return log[0]?.attempts > 0 && log;
      });
      expect(entry.lastError).toMatch(/^refused: 127\.0\.0\.2 is a private, loopback/);
      expect(entry.status).not.toBe('delivered');
    } finally {
      await redirecting.close();
    }
  });
});
