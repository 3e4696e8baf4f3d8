import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, type BenchScenario, type BenchServer, cli, fixed, load, ratio, startShoebox, stopProcess } from '../lib.js';
import { Corpus, writeCorpus } from './notes-corpus.js';

const CORPUS_NOTES = 100_000;
const GUESTS = 20;
const LATENCY_QUERIES = 2_000;
const LAG_RATE = 1_000;
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
    'throughput with 50 connections. Lag: notes POSTed at a steady 1,000/s for 20 s; one in 50 is polled through ' +
    'GET /v1/search every 5 ms from its 201 until it is found.',
  async run() {
    const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
    const env = { SHOEBOX_DATA_DIR: dataDir };
    const corpus = new Corpus();
    try {
      const { key } = JSON.parse(
        await cli(['keys', 'create', '--name', 'bench', '--rate', '1000000', '--burst', '1000000', '--json'], env),
      );
      let server = await startShoebox({}, dataDir);
      const guests = await Promise.all(Array.from({ length: GUESTS }, () => createGuest(server.url, key)));
      const rows: BenchRow[] = [...(await creation(server, key, guests[0]!, corpus))];

      await stopProcess(server.process);
      process.stdout.write(`  writing a corpus of ${fixed(CORPUS_NOTES)} notes through the service…\n`);
      await writeCorpus(
        dataDir,
        guests.map((g) => g.identityId),
        CORPUS_NOTES,
        corpus,
      );
      server = await startShoebox({}, dataDir);
      rows.push(...(await searching(server, key, guests, corpus)));
      rows.push(...(await lag(server, key, guests, corpus)));
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
  let hits = 0;
  for (let i = 0; i < LATENCY_QUERIES; i++) {
    const guest = guests[i % guests.length]!;
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/search?q=${encodeURIComponent(corpus.query())}&limit=10`, {
      headers: headersOf(apiKey, guest),
    });
    const result = (await response.json()) as { hits?: unknown[] };
    timings.push(performance.now() - started);
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
          path: `/v1/search?q=${encodeURIComponent(corpus.query())}&limit=10`,
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
    { metric: 'GET /v1/search, requests/s (50 connections)', value: fixed(throughput.requestsPerSecond) },
    { metric: 'GET /v1/search latency p50 / p99 (50 connections)', value: `${throughput.p50Ms} ms / ${throughput.p99Ms} ms` },
  ];
}

/** Writes at a steady rate and measures, for a sample, the time from the 201 to the note being found by search. */
async function lag(server: BenchServer, apiKey: string, guests: readonly Guest[], corpus: Corpus): Promise<BenchRow[]> {
  const lags: number[] = [];
  const work: Promise<void>[] = [];
  let failures = 0;
  const total = LAG_RATE * LAG_SECONDS;
  const run = Math.floor(corpus.random() * 1e9).toString(36);
  const writeOne = async (i: number) => {
    const guest = guests[i % guests.length]!;
    const token = `lagq${run}x${i.toString(36)}`;
    const response = await fetch(`${server.url}/v1/notes`, {
      method: 'POST',
      headers: { ...headersOf(apiKey, guest), 'content-type': 'application/json' },
      body: JSON.stringify({ headline: `${token} ${corpus.words(2, 5)}`, text: corpus.words(20, 60) }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) {
      failures++;
      return;
    }
    if (i % LAG_SAMPLE_EVERY !== 0) return;
    const acknowledged = performance.now();
    for (;;) {
      const found = await fetch(`${server.url}/v1/search?q=${token}&limit=1`, { headers: headersOf(apiKey, guest) });
      if (((await found.json()) as { hits: unknown[] }).hits.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, LAG_POLL_MS));
    }
    lags.push(performance.now() - acknowledged);
  };
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * LAG_RATE));
    while (sent < due) work.push(writeOne(sent++));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(work);
  const achieved = total / ((performance.now() - started) / 1000);
  return [
    { metric: `writes during the lag run, notes/s (target ${fixed(LAG_RATE)}; ${failures} failed)`, value: fixed(achieved) },
    {
      metric: `write-to-searchable lag p50 / p99 (${lags.length} probes, ${LAG_POLL_MS} ms polling)`,
      value: `${fixed(percentile(lags, 50), 1)} ms / ${fixed(percentile(lags, 99), 1)} ms`,
      goal: 'p99 ≤ 100 ms',
    },
  ];
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
