import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../packages/server/src/config/config.js';
import { openShoebox, type Shoebox } from '../packages/server/src/runtime/shoebox.js';
import { streamStatus } from '../packages/server/src/stream/status.js';
import { scaleOut } from '../packages/server/src/testing/engines.js';
import { type ApiClient, apiClient, json, removeTestData, tempDir } from '../packages/server/src/testing/harness.js';
import { asIdentity, bearer, createGuest, type Pair, refresh } from '../packages/server/src/testing/identity.js';
import { image } from '../packages/server/src/testing/images.js';
import { completePhoto, created, getPhoto, putUpload } from '../packages/server/src/testing/photos.js';
import {
  type ServeProcess,
  scaleOutProcessEnv,
  spawnServe,
  spawnWorker,
  type WorkerProcess,
} from '../packages/server/src/testing/processes.js';
import { bucketFor, bucketKeys } from '../packages/server/src/testing/s3.js';
import { eventually, settle } from '../packages/server/src/testing/shoebox.js';

/**
 * The scale-out deployment under load: three `serve --no-worker` API processes and two `worker`
 * processes sharing one PostgreSQL database, one S3 bucket and one Redis. A mixed workload goes
 * round-robin over the API processes; midway one API process and the worker processing photos are
 * killed with SIGKILL, and the workload goes on over the survivors.
 */
const hasScaleOut = Boolean(process.env.SHOEBOX_TEST_DATABASE_URL && process.env.SHOEBOX_TEST_REDIS_URL);
const ADMIN = 'multi-process-admin-token-0123456789abcdef';
/** Concurrent clients, each owning its notes, so every write knows the version it replaces. */
const LANES = 8;
/** Steps per lane: 360 in all: about 300 note writes, 40 searches, 10 photos; plus 24 identities and 16 token refreshes. */
const STEPS = 45;
/** Note writes acknowledged before the kill. */
const KILL_AFTER = 130;
/** Lanes wait here until the kill has happened, so a good part of the workload runs on the survivors. */
const GATE_STEP = 30;
const SMALL_PLAN = { rate: 5, burst: 10 };
const PINGS = 30;
const SETTLE = { timeoutMs: 30_000, pauseMs: 200 };

interface Api {
  readonly process: ServeProcess;
  readonly client: ApiClient;
  /** Set just before its SIGKILL: from then on no request is sent to it. */
  killed: boolean;
  answered: number;
}

interface Guest {
  readonly identityId: string;
  readonly token: string;
  readonly refreshToken: string;
}

/** A note as stored: its version and content, or gone (never created, or deleted). */
type NoteState = { readonly version: number; readonly headline: string; readonly text: string } | 'gone';

interface TrackedNote {
  readonly noteId: string;
  readonly owner: Guest;
  /** What the last acknowledged write left. */
  acked: NoteState;
  /** A write whose answer never came (its API process was killed): it may or may not have happened. */
  unanswered?: NoteState;
  /** Every unique word the note has held, to check that search forgets the old ones. */
  readonly words: Set<string>;
}

interface TrackedPhoto {
  readonly photoId: string;
  readonly owner: Guest;
}

const LOST = Symbol('no answer: its API process was killed');
const wordsOf = (state: NoteState): string[] => (state === 'gone' ? [] : (`${state.headline} ${state.text}`.match(/mq\d+x\d+[ht]/g) ?? []));

/** The body of an answer, once its status is the expected one (the body shows in the failure otherwise). */
async function expectAnswer(response: Response, status: number): Promise<any> {
  const body = response.status === 204 ? null : await json(response);
  expect({ status: response.status, body }).toMatchObject({ status });
  return body;
}

describe.skipIf(!hasScaleOut)('three API processes and two workers on PostgreSQL, S3 and Redis', () => {
  let dataDir = '';
  let env: Record<string, string> = {};
  const processes: (ServeProcess | WorkerProcess)[] = [];
  let observer: Shoebox | undefined;

  beforeAll(async () => {
    dataDir = tempDir();
    env = await scaleOutProcessEnv(dataDir, ADMIN);
  });

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop('SIGKILL')));
    await observer?.close();
    await removeTestData(dataDir, scaleOut);
  });

  it('keeps and indexes every acknowledged note, processes every photo and shares rate limits while an API process and a worker die', async () => {
    const started = <T extends ServeProcess | WorkerProcess>(child: T) => {
      processes.push(child);
      return child;
    };
    // Started at once, as a deployment would: migrations and first-start setup race on the empty database.
    const [servers, workers] = await Promise.all([
      Promise.all([1, 2, 3].map(() => spawnServe(env, ['--no-worker']).then(started))),
      Promise.all([1, 2].map(() => spawnWorker(env).then(started))),
    ]);
    observer = await openShoebox(parseConfig({ ...env, SHOEBOX_LOG_LEVEL: 'silent' }));
    const createKey = async (body: object) => {
      const response = await fetch(`${servers[0]!.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await expectAnswer(response, 201)).key as string;
    };

    // Rate limits: one bucket per key in Redis, whichever process a request reaches.
    const smallKey = await createKey({ name: 'small plan', rateLimit: SMALL_PLAN });
    const burstStarted = performance.now();
    const pings = await Promise.all(
      Array.from({ length: PINGS }, (_, i) => fetch(`${servers[i % servers.length]!.url}/v1/ping`, { headers: { 'x-api-key': smallKey } })),
    );
    const elapsedSeconds = (performance.now() - burstStarted) / 1000;
    const accepted = pings.filter((response) => response.status === 200).length;
    // The bucket starts full and refills at `rate` per second, so while the burst lasted at most
    // burst + rate × elapsed requests could pass. Tolerance: one token, for the refill being timed by
    // Redis's clock rather than this process's. Buckets per process would let up to 3 × burst pass.
    expect(accepted).toBeGreaterThanOrEqual(SMALL_PLAN.burst);
    expect(accepted).toBeLessThanOrEqual(SMALL_PLAN.burst + Math.floor(elapsedSeconds * SMALL_PLAN.rate) + 1);
    const refused = await Promise.all(
      pings.filter((response) => response.status !== 200).map(async (r) => [r.status, (await json(r)).code]),
    );
    expect(refused).toEqual(Array(PINGS - accepted).fill([429, 'rate_limited']));

    // The workload, round-robin over the API processes that are alive.
    const workloadKey = await createKey({ name: 'workload', rateLimit: { rate: 100_000, burst: 100_000 } });
    const apis: Api[] = servers.map((process) => ({ process, client: apiClient(process.url, workloadKey), killed: false, answered: 0 }));
    let turn = 0;
    /** Runs `request` on the next live API process; LOST when that process was killed before answering. */
    const onNextApi = async <T>(request: (api: ApiClient) => Promise<T>): Promise<T | typeof LOST> => {
      const live = apis.filter((api) => !api.killed);
      const api = live[turn++ % live.length]!;
      try {
        const result = await request(api.client);
        api.answered++;
        return result;
      } catch (error) {
        // Only the process killed on purpose may leave a request unanswered (fetch fails with a TypeError).
        if (api.killed && error instanceof TypeError) return LOST;
        throw error;
      }
    };

    const notes: TrackedNote[] = [];
    const photos: TrackedPhoto[] = [];
    const jpeg = await image('jpeg', 640, 480);
    let ackedWrites = 0;
    let failed = false;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));

    const guestOf = (pair: Pair): Guest => ({ identityId: pair.identityId, token: pair.accessToken, refreshToken: pair.refreshToken });
    const newGuest = async (): Promise<Guest> => {
      for (;;) {
        const pair = await onNextApi(createGuest);
        if (pair !== LOST) return guestOf(pair);
      }
    };
    /** Refreshes on whichever process comes next; its earlier access token keeps working until it expires. */
    const refreshed = async (guest: Guest): Promise<Guest> => {
      const pair = await onNextApi(async (api) => expectAnswer(await refresh(api, guest.refreshToken), 200));
      // Unanswered, the rotation may or may not have happened: carry on as a new guest.
      if (pair === LOST) return newGuest();
      expect(pair.identityId).toBe(guest.identityId);
      return guestOf(pair);
    };

    /** Sends a note write; `next` is the state it leaves once acknowledged. */
    const write = async (note: TrackedNote, next: NoteState, send: (api: ApiClient) => Promise<Response>, status: number) => {
      for (const word of wordsOf(next)) note.words.add(word);
      const body = await onNextApi(async (api) => expectAnswer(await send(api), status));
      if (body === LOST) {
        note.unanswered = next;
        return;
      }
      if (next !== 'gone') expect(body).toMatchObject({ noteId: note.noteId, ...next });
      note.acked = next;
      ackedWrites++;
    };

    const lane = async (l: number) => {
      const mine: TrackedNote[] = [];
      let owner = await newGuest();
      for (let step = 0; step < STEPS && !failed; step++) {
        if (step === GATE_STEP) await gate;
        if (step > 0 && step % 18 === 0) owner = await newGuest();
        if (step % 18 === 9) owner = await refreshed(owner);
        const word = (field: 'h' | 't') => `mq${l}x${step}${field}`;
        const live = mine.filter((note) => note.acked !== 'gone' && !note.unanswered);
        const target = live[step % Math.max(1, live.length)];

        if (step % 9 === 8) {
          // Searches see only the caller's notes (this lane's earlier guests' notes match the prefix too).
          const me = owner;
          const hits = await onNextApi(async (api) => expectAnswer(await asIdentity(api, me.token, `/v1/search?q=mq${l}x*&limit=50`), 200));
          if (hits !== LOST) {
            const own = new Set(notes.filter((note) => note.owner.identityId === me.identityId).map((note) => note.noteId));
            expect(hits.hits.filter((hit: { noteId: string }) => !own.has(hit.noteId))).toEqual([]);
          }
        } else if (step === 2 || (l < 2 && step === GATE_STEP + 2)) {
          const me = owner;
          const photo = await onNextApi((api) => created(api, me.token, jpeg));
          if (photo === LOST) continue;
          expect((await putUpload(photo.upload, jpeg)).ok).toBe(true);
          const completed = await onNextApi(async (api) => expectAnswer(await completePhoto(api, me.token, photo.photoId), 200));
          if (completed !== LOST) photos.push({ photoId: photo.photoId, owner: me });
        } else if (!target || live.length < 3 || step % 4 === 0) {
          const note: TrackedNote = { noteId: `mqnote${l}x${step}`, owner, acked: 'gone', words: new Set() };
          mine.push(note);
          notes.push(note);
          const content = { headline: `${word('h')} created`, text: `${word('t')} first draft` };
          const headers = { ...bearer(owner.token), 'content-type': 'application/json' };
          // Both ways of creating under a client-chosen id.
          await write(
            note,
            { version: 1, ...content },
            (api) =>
              step % 8 === 0
                ? api.v1(`/v1/notes/${note.noteId}`, {
                    method: 'PUT',
                    headers: { ...headers, 'if-none-match': '*' },
                    body: JSON.stringify(content),
                  })
                : api.v1('/v1/notes', { method: 'POST', headers, body: JSON.stringify({ noteId: note.noteId, ...content }) }),
            201,
          );
        } else {
          const current = target.acked as Exclude<NoteState, 'gone'>;
          const headers = { ...bearer(target.owner.token), 'if-match': `"v${current.version}"`, 'content-type': 'application/json' };
          const version = current.version + 1;
          const path = `/v1/notes/${target.noteId}`;
          if (step % 8 === 3) {
            const { 'content-type': _, ...withoutBody } = headers;
            await write(target, 'gone', (api) => api.v1(path, { method: 'DELETE', headers: withoutBody }), 204);
          } else if (step % 4 === 2) {
            const content = { headline: `${word('h')} replaced`, text: `${word('t')} replaced` };
            await write(
              target,
              { version, ...content },
              (api) => api.v1(path, { method: 'PUT', headers, body: JSON.stringify(content) }),
              200,
            );
          } else {
            const change = step % 4 === 1 ? { headline: `${word('h')} edited` } : { text: `${word('t')} rewritten` };
            const next = { version, headline: current.headline, text: current.text, ...change };
            await write(target, next, (api) => api.v1(path, { method: 'PATCH', headers, body: JSON.stringify(change) }), 200);
          }
        }
      }
    };

    /**
     * Once enough writes are acknowledged, kills an API process and the worker processing photos,
     * once it has done real work: a photo is ready while it held the photo processor's lease.
     */
    const chaos = async (): Promise<WorkerProcess> => {
      let holder: string | null | undefined;
      const victim = await eventually(async () => {
        if (failed) throw new Error('the workload failed before the kill');
        const [status] = await streamStatus(observer!.database, ['photo-processor']);
        const steady = status?.leaseHolder && status.leaseHolder === holder;
        holder = status?.leaseHolder;
        if (!steady || ackedWrites < KILL_AFTER) return undefined;
        const ready = await observer!.database.db.selectFrom('photos').select('id').where('status', '=', 'ready').executeTakeFirst();
        return ready && workers.find((worker) => worker.holder === holder);
      }, 50);
      const api = apis[1]!;
      expect(api.answered).toBeGreaterThan(0);
      api.killed = true;
      expect(await Promise.all([api.process.stop('SIGKILL'), victim.stop('SIGKILL')])).toEqual([null, null]);
      openGate();
      return victim;
    };

    const stopOnFailure = <T>(work: Promise<T>) =>
      work.catch((error) => {
        failed = true;
        throw error;
      });
    const [killedWorker] = await Promise.all([stopOnFailure(chaos()), ...Array.from({ length: LANES }, (_, l) => stopOnFailure(lane(l)))]);
    const survivor = workers.find((worker) => worker !== killedWorker)!;
    const live = apis.filter((api) => !api.killed);
    expect(live).toHaveLength(2);
    expect(ackedWrites).toBeGreaterThan(KILL_AFTER + 60);

    // The stream drains through the surviving worker (the only one left), nothing retrying or dead.
    // A lease is held only while working, so once idle the survivor's lapses: no holder, or the survivor.
    const consumers = observer.processor.consumerNames;
    const statuses = await settle(
      () => streamStatus(observer!.database, consumers),
      (all) => all.every((s) => s.lagChanges === 0 && s.retrying === 0),
      SETTLE,
    );
    expect(statuses).toEqual(
      consumers.map((consumer) => expect.objectContaining({ consumer, lagChanges: 0, retrying: 0, deadLetters: 0 })),
    );
    for (const status of statuses) expect([survivor.holder, null]).toContain(status.leaseHolder);

    // PostgreSQL holds each note as its last acknowledged write left it (or as the unanswered one did).
    const rows = await observer.database.db.selectFrom('notes').selectAll().where('note_id', 'like', 'mqnote%').execute();
    const stored = new Map(rows.map((row) => [row.note_id, row]));
    const final = new Map<TrackedNote, NoteState>();
    const wrongRows: object[] = [];
    for (const note of notes) {
      const row = stored.get(note.noteId);
      const state: NoteState =
        row && row.deleted_at === null ? { version: Number(row.version), headline: row.headline, text: row.text } : 'gone';
      const allowed = note.unanswered ? [note.acked, note.unanswered] : [note.acked];
      const owned = row === undefined || row.owner_id === note.owner.identityId;
      if (!owned || !allowed.some((expected) => JSON.stringify(expected) === JSON.stringify(state))) {
        wrongRows.push({ noteId: note.noteId, allowed, state, owned });
      }
      final.set(note, state);
    }
    expect(wrongRows).toEqual([]);
    expect(notes.filter((note) => note.acked === 'gone' && !note.unanswered).length).toBeGreaterThan(0);

    // Search finds each note by the words of its final version only; deleted notes by none.
    const searchMismatches = () =>
      flatMapLimited(
        [...final].flatMap(([note, state]) => [...note.words].map((word) => ({ note, word, state }))),
        async ({ note, word, state }) => {
          const expected = wordsOf(state).includes(word) ? [note.noteId] : [];
          const api = live[turn++ % live.length]!.client;
          const found = (await expectAnswer(await asIdentity(api, note.owner.token, `/v1/search?q=${word}&limit=10`), 200)).hits.map(
            (hit: { noteId: string }) => hit.noteId,
          );
          return JSON.stringify(found) === JSON.stringify(expected) ? [] : [{ word, expected, found }];
        },
      );
    expect(await settle(searchMismatches, (mismatches) => mismatches.length === 0, SETTLE)).toEqual([]);

    // Every completed photo is ready, its variants in the bucket.
    expect(photos.length).toBeGreaterThanOrEqual(8);
    const keys = new Set(await bucketKeys(bucketFor(dataDir)));
    for (const { photoId, owner } of photos) {
      const photo = await expectAnswer(await getPhoto(live[0]!.client, owner.token, photoId), 200);
      expect({ photoId, status: photo.status, variants: Object.keys(photo.variants).sort() }).toEqual({
        photoId,
        status: 'ready',
        variants: ['display', 'thumb'],
      });
      for (const name of ['original', 'thumb', 'display']) expect(keys).toContain(`photos/${photoId}/${name}`);
      expect((await fetch(photo.variants.thumb.url)).status).toBe(200);
    }

    // The survivors shut down cleanly.
    expect(await Promise.all([...live.map((api) => api.process.stop()), survivor.stop()])).toEqual([0, 0, 0]);
  }, 120_000);
});

/** Runs `check` over `items` with at most LANES at once; answers everything the checks returned. */
async function flatMapLimited<T, R>(items: readonly T[], check: (item: T) => Promise<R[]>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const runner = async () => {
    while (next < items.length) results.push(...(await check(items[next++]!)));
  };
  await Promise.all(Array.from({ length: LANES }, runner));
  return results;
}
