import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, type BenchScenario, type BenchServer, cli, fixed, load, ratio, startShoebox, stopProcess } from '../lib.js';
import { Corpus, type QueryKind, writeCorpus } from './notes-corpus.js';

const CORPUS_NOTES = 100_000;
const GUESTS = 20;
const LATENCY_QUERIES = 2_000;
/** The goal's rate, and a rate this 2-core machine sustains while it also runs the load generator. */
const LAG_RATES = [1_000, 300];
const LAG_SECONDS = 20;
/** One written note in this many is probed for searchability (probing every note would double the load). */
const LAG_SAMPLE_EVERY = 50;
const LAG_POLL_MS = 5;

interface Guest {
  readonly identityId: string;
  readonly accessToken: string;
}

export const notes: BenchScenario = {
  name: 'notes',
  title: 'Notes and search: creation, search, write-to-searchable lag',
  description:
    '`shoebox serve` in its own process on the embedded engine, driven from this one. Creation: POST /v1/notes with autocannon ' +
    '(50 connections, 5 s), against GET /v1/ping through the same gateway as baseline. Search: a corpus of 100,000 generated ' +
    'notes (Zipf-distributed pseudo-words, 20–120 per note, over 20 identities, written through the notes service) and a mix ' +
    'of queries (common and rare words, two words, phrases, prefixes, exclusions, OR); latency one request at a time, ' +
    'throughput with 50 connections. Lag: notes POSTed at a steady 1,000/s, then 300/s, for 20 s each (autocannon at a ' +
    'fixed rate plus one probe per 50 notes); each probe is polled through GET /v1/search every 5 ms from its 201 until ' +
    'it is found. Writes the server cannot keep up with queue, and the lag then measures the queue. Where the time goes ' +
    '(CPU profiles): a POST /v1/notes costs about 1 ms of one core on a quiet machine, most of it in the HTTP stack and the ' +
    'API-key and identity checks, a quarter in SQLite (write and index); the server runs on one core (better-sqlite3 is ' +
    'synchronous) while the load generator uses the other, so writes saturate near 1,000/s here. In search, matching takes ' +
    'well under a millisecond; ranking every match with bm25 costs about 10 µs per matching note, so a very common word or ' +
    'a broad prefix (thousands of matches per identity) takes tens of milliseconds. The machine is shared: the first row ' +
    'gives its load when the run started.',
  async run() {
    const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
    const env = { SHOEBOX_DATA_DIR: dataDir };
    // Access tokens name the public URL as issuer: keep it fixed across the restart (the port changes).
    const serverEnv = { SHOEBOX_PUBLIC_URL: 'http://shoebox-bench.invalid' };
    const corpus = new Corpus();
    try {
      const { key } = JSON.parse(
        await cli(['keys', 'create', '--name', 'bench', '--rate', '1000000', '--burst', '1000000', '--json'], env),
      );
      let server = await startShoebox(serverEnv, dataDir);
      const guests = await Promise.all(Array.from({ length: GUESTS }, () => createGuest(server.url, key)));
      const rows: BenchRow[] = [
        { metric: 'load average (1 min) when the run started, 2 cores', value: fixed(loadavg()[0] ?? 0, 1) },
        ...(await creation(server, key, guests[0]!, corpus)),
      ];

      await stopProcess(server.process);
      process.stdout.write(`  writing a corpus of ${fixed(CORPUS_NOTES)} notes through the service…\n`);
      await writeCorpus(
        dataDir,
        guests.map((g) => g.identityId),
        CORPUS_NOTES,
        corpus,
      );
      server = await startShoebox(serverEnv, dataDir);
      rows.push(...(await searching(server, key, guests, corpus)));
      for (const rate of LAG_RATES) rows.push(...(await lag(server, key, guests, corpus, rate)));
      await stopProcess(server.process);
      return rows;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

async function createGuest(url: string, apiKey: string): Promise<Guest> {
  const response = await fetch(`${url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': apiKey } });
  if (response.status !== 201) throw new Error(`POST /v1/identities answered ${response.status}`);
  return (await response.json()) as Guest;
}

const headersOf = (apiKey: string, guest: Guest) => ({ 'x-api-key': apiKey, authorization: `Bearer ${guest.accessToken}` });

async function creation(server: BenchServer, apiKey: string, guest: Guest, corpus: Corpus): Promise<BenchRow[]> {
  const ping = await load({ url: `${server.url}/v1/ping`, headers: { 'x-api-key': apiKey } });
  const body = JSON.stringify(corpus.note());
  const created = await load({
    url: `${server.url}/v1/notes`,
    method: 'POST',
    headers: { ...headersOf(apiKey, guest), 'content-type': 'application/json' },
    body,
  });
  if (created.non2xx > 0 || created.errors > 0) throw new Error(`POST /v1/notes: ${created.non2xx} non-2xx, ${created.errors} errors`);
  return [
    { metric: 'GET /v1/ping (gateway baseline), requests/s', value: fixed(ping.requestsPerSecond) },
    {
      metric: 'POST /v1/notes, notes created/s',
      value: fixed(created.requestsPerSecond),
      ratio: ratio(created.requestsPerSecond, ping.requestsPerSecond),
      goal: '≥ 3,000/s',
    },
    { metric: 'POST /v1/notes latency p50 / p99 (50 connections)', value: `${created.p50Ms} ms / ${created.p99Ms} ms` },
  ];
}

async function searching(server: BenchServer, apiKey: string, guests: readonly Guest[], corpus: Corpus): Promise<BenchRow[]> {
  const timings: number[] = [];
  const byKind = new Map<QueryKind, number[]>();
  let hits = 0;
  for (let i = 0; i < LATENCY_QUERIES; i++) {
    const guest = guests[i % guests.length]!;
    const { kind, q } = corpus.query();
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/search?q=${encodeURIComponent(q)}&limit=10`, { headers: headersOf(apiKey, guest) });
    const result = (await response.json()) as { hits?: unknown[] };
    const elapsed = performance.now() - started;
    timings.push(elapsed);
    byKind.set(kind, [...(byKind.get(kind) ?? []), elapsed]);
    if (response.status !== 200) throw new Error(`GET /v1/search answered ${response.status}: ${JSON.stringify(result)}`);
    hits += result.hits?.length ?? 0;
  }
  const throughput = await load({
    url: server.url,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          method: 'GET',
          path: `/v1/search?q=${encodeURIComponent(corpus.query().q)}&limit=10`,
          headers: headersOf(apiKey, guests[Math.floor(corpus.random() * guests.length)]!),
        }),
      },
    ],
  });
  if (throughput.non2xx > 0 || throughput.errors > 0)
    throw new Error(`GET /v1/search: ${throughput.non2xx} non-2xx, ${throughput.errors} errors`);
  return [
    {
      metric: `GET /v1/search latency p50 / p99 (one at a time, ${fixed(LATENCY_QUERIES)} queries, ${fixed(hits / LATENCY_QUERIES, 1)} hits each)`,
      value: `${fixed(percentile(timings, 50), 1)} ms / ${fixed(percentile(timings, 99), 1)} ms`,
      goal: 'p99 ≤ 20 ms',
    },
    ...[...byKind].map(([kind, values]) => ({
      metric: `… ${kind} (${values.length} queries)`,
      value: `${fixed(percentile(values, 50), 1)} ms / ${fixed(percentile(values, 99), 1)} ms`,
    })),
    { metric: 'GET /v1/search, requests/s (50 connections)', value: fixed(throughput.requestsPerSecond) },
    { metric: 'GET /v1/search latency p50 / p99 (50 connections)', value: `${throughput.p50Ms} ms / ${throughput.p99Ms} ms` },
  ];
}

/**
 * Writes at a steady rate (autocannon, fixed overall rate) while probes, also written at a steady
 * pace, are polled through search from their 201 until found.
 */
async function lag(server: BenchServer, apiKey: string, guests: readonly Guest[], corpus: Corpus, rate: number): Promise<BenchRow[]> {
  const probesPerSecond = rate / LAG_SAMPLE_EVERY;
  const background = load({
    url: `${server.url}/v1/notes`,
    method: 'POST',
    headers: { ...headersOf(apiKey, guests[0]!), 'content-type': 'application/json' },
    body: JSON.stringify(corpus.note()),
    overallRate: rate - probesPerSecond,
    duration: LAG_SECONDS,
  });
  const run = Math.floor(corpus.random() * 1e9).toString(36);
  const probe = async (i: number): Promise<number> => {
    const guest = guests[1 + (i % (guests.length - 1))]!;
    const token = `lagq${run}x${i.toString(36)}`;
    const response = await fetch(`${server.url}/v1/notes`, {
      method: 'POST',
      headers: { ...headersOf(apiKey, guest), 'content-type': 'application/json' },
      body: JSON.stringify({ headline: `${token} ${corpus.words(2, 5)}`, text: corpus.words(20, 60) }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`POST /v1/notes answered ${response.status}`);
    const acknowledged = performance.now();
    for (;;) {
      const found = await fetch(`${server.url}/v1/search?q=${token}&limit=1`, { headers: headersOf(apiKey, guest) });
      if (((await found.json()) as { hits: unknown[] }).hits.length > 0) return performance.now() - acknowledged;
      await new Promise((resolve) => setTimeout(resolve, LAG_POLL_MS));
    }
  };
  const probes: Promise<number>[] = [];
  const started = performance.now();
  for (let i = 0; i < probesPerSecond * LAG_SECONDS; i++) {
    const due = started + (i * 1000) / probesPerSecond;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    probes.push(probe(i));
  }
  const lags = await Promise.all(probes);
  const writes = await background;
  return [
    {
      metric: `writes at a target of ${fixed(rate)} notes/s: achieved notes/s (${writes.non2xx + writes.errors} failed; 201 latency p99 ${writes.p99Ms} ms)`,
      value: fixed(writes.requestsPerSecond + probesPerSecond),
    },
    {
      metric: `… write-to-searchable lag p50 / p99 (${lags.length} probes, ${LAG_POLL_MS} ms polling)`,
      value: `${fixed(percentile(lags, 50), 1)} ms / ${fixed(percentile(lags, 99), 1)} ms`,
      goal: rate === 1_000 ? 'p99 ≤ 100 ms' : undefined,
    },
  ];
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
