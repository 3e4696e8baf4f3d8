import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamStatus } from '../stream/status.js';
import { engines } from '../testing/engines.js';
import { json, startTestServer, type TestServer } from '../testing/harness.js';
import { asIdentity, createGuest, type Pair, ROOMY_PLAN } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';

/**
 * Search results for a fixed corpus and fixed queries, page by page, as recorded in
 * golden.<engine>.json (recorded before the impact postings): ranking, scores, highlights and cursor paging must not change when the
 * index's internals do (speed-ups included). SHOEBOX_RECORD_GOLDEN=1 records the file anew, which
 * is only right after a deliberate change of ranking.
 */
const RECORD = process.env.SHOEBOX_RECORD_GOLDEN === '1';
const NOTES = 250;
const PAGE = 7;
const QUERIES = [
  'alpha',
  'bravo',
  'kilo',
  'oscar',
  'zulu',
  'public',
  'Alpha',
  'alphas',
  'nothingmatches',
  'bravo charlie',
  '"alpha bravo"',
  'ech*',
  'alpha -bravo',
  'kilo OR zulu',
  'delta',
];

/** A deterministic generator: a small vocabulary with skewed frequencies, so words repeat in notes and scores tie. */
function corpus(): { noteId: string; headline: string; text: string; visibility: 'private' | 'public' }[] {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'echoes', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo'];
  words.push('lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'zulu', 'public');
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const word = () => words[Math.min(words.length - 1, Math.floor(words.length ** random()) - 1)]!;
  const phrase = (min: number, max: number) => Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, word).join(' ');
  return Array.from({ length: NOTES }, (_, i) => ({
    noteId: `note-${String(i).padStart(3, '0')}`,
    headline: phrase(1, 5),
    text: phrase(3, 30),
    visibility: i % 5 === 0 ? 'public' : 'private',
  }));
}

describe.each(engines)('search results for a fixed corpus ($name)', (engine) => {
  let server: TestServer;
  let alice: Pair;
  let bob: Pair;
  const file = new URL(`./golden.${engine.database === 'sqlite' ? 'embedded' : 'postgres'}.json`, import.meta.url);

  const send = (who: Pair, method: string, path: string, body?: object) =>
    asIdentity(server, who.accessToken, path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    server = await startTestServer({ engine, env: ROOMY_PLAN });
    alice = await createGuest(server);
    bob = await createGuest(server);
    const notes = corpus();
    for (const [i, note] of notes.entries()) {
      const response = await send(i % 4 === 3 ? bob : alice, 'POST', '/v1/notes', note);
      expect(response.status).toBe(201);
    }
    // Rewrites and removals, so the index has replaced and removed documents too.
    for (const [i, note] of notes.entries()) {
      const owner = i % 4 === 3 ? bob : alice;
      if (i % 13 === 0) expect((await send(owner, 'DELETE', `/v1/notes/${note.noteId}`)).status).toBe(204);
      else if (i % 11 === 0) {
        const rewritten = { headline: `${note.headline} alpha`, text: note.text.split(' ').reverse().join(' '), visibility: 'public' };
        expect((await send(owner, 'PUT', `/v1/notes/${note.noteId}`, rewritten)).status).toBe(200);
      }
    }
    await eventually(async () => {
      const [status] = await streamStatus(server.server.shoebox.database, ['search']);
      return status?.lagChanges === 0 && status.retrying === 0;
    });
  }, 120_000);
  afterAll(() => server.stop());

  it('answers every query, page after page, as recorded', async () => {
    const results: Record<string, Answer> = {};
    for (const who of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      for (const scope of ['mine', 'public']) {
        for (const q of QUERIES) {
          const answer: Answer = { pages: 0, hits: [], highlights: {} };
          let cursor: string | null = null;
          do {
            const params = new URLSearchParams({ q, scope, limit: String(PAGE), ...(cursor ? { cursor } : {}) });
            const response = await send(who[1], 'GET', `/v1/search?${params}`);
            expect(response.status).toBe(200);
            const body = await json(response);
            for (const hit of body.hits as { noteId: string; score: number; highlights: object }[]) {
              answer.hits.push([hit.noteId, hit.score.toPrecision(10)]);
              // Highlights of the first page only, to keep the file readable.
              if (answer.pages === 0) answer.highlights[hit.noteId] = hit.highlights;
            }
            answer.pages++;
            cursor = body.nextCursor;
          } while (cursor && answer.pages < 100);
          results[`${who[0]} ${scope} ${q}`] = { ...answer, hits: tiesByNoteId(answer.hits) };
        }
      }
    }
    if (RECORD || !existsSync(file)) writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
    const recorded: Record<string, Answer> = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(results)).toEqual(Object.keys(recorded));
    for (const [key, answer] of Object.entries(results)) {
      const expected = recorded[key]!;
      expect({ key, pages: answer.pages, hits: answer.hits }).toEqual({ key, pages: expected.pages, hits: expected.hits });
      for (const [noteId, highlights] of Object.entries(answer.highlights)) {
        if (noteId in expected.highlights)
          expect({ key, noteId, highlights }).toEqual({ key, noteId, highlights: expected.highlights[noteId] });
      }
    }
  }, 120_000);
});

interface Answer {
  pages: number;
  hits: [noteId: string, score: string][];
  highlights: Record<string, object>;
}

/**
 * Hits of equal score in note id order. Ties are broken by the index's own document ids, which
 * follow the order the indexer happened to batch the notes in: not part of what is recorded.
 */
function tiesByNoteId(hits: readonly [string, string][]): [string, string][] {
  const runs: [string, string][][] = [];
  for (const hit of hits) {
    const run = runs.at(-1);
    if (run && run[0]![1] === hit[1]) run.push(hit);
    else runs.push([hit]);
  }
  return runs.flatMap((run) => run.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
