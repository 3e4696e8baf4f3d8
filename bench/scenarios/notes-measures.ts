import { cpus, loadavg } from 'node:os';
import { type BenchRow, checked, fixed, type LoadResult, load, percentile, ratio } from '../lib.js';
import { pacedAgent, pacedLoad } from '../paced-load.js';
import type { Corpus, QueryKind } from './notes-corpus.js';

/**
 * The measurements the notes scenarios share, whatever the engine: they drive one or several API
 * processes serving the same data (`urls`), spreading the load over them.
 */

export const LATENCY_QUERIES = 2_000;
export const LAG_SECONDS = 20;
/** Writes at the lag's rate before it is measured, not counted. */
export const LAG_WARMUP_SECONDS = 3;
/** One written note in this many is probed for searchability (probing every note would double the load). */
export const LAG_SAMPLE_EVERY = 50;
/** How often a probe is polled, by default: a tenth of the embedded lag goal (50 ms). */
export const LAG_POLL_MS = 5;
/**
 * Past 20 polls a probe waits a twentieth of its lag so far between polls (each lag is then read at
 * most 5 % long): a backlog of probes polled every few ms would load the server with searches
 * faster than its lag grows, and the measurement would feed the lag it measures.
 */
const LAG_POLL_SHARE = 1 / 20;

export interface Guest {
  readonly identityId: string;
  readonly accessToken: string;
}

/** The machine is shared: a run says how busy it was when it started. */
export const loadAverageRow = (): BenchRow => ({
  metric: `load average (1 min) when the run started, ${cpus().length} cores`,
  value: fixed(loadavg()[0] ?? 0, 1),
});

export function createGuests(url: string, apiKey: string, count: number): Promise<Guest[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': apiKey } });
      if (response.status !== 201) throw new Error(`POST /v1/identities answered ${response.status}`);
      return (await response.json()) as Guest;
    }),
  );
}

const headersOf = (apiKey: string, guest: Guest) => ({ 'x-api-key': apiKey, authorization: `Bearer ${guest.accessToken}` });

/**
 * A load run as two rows: its rate (with its ratio to a baseline run's, when given) and its
 * latency as autocannon measured it.
 */
export function loadRows(
  metric: string,
  result: LoadResult,
  options: { baseline?: LoadResult; goal?: string; latency?: string } = {},
): BenchRow[] {
  const { baseline, goal, latency = '… latency p50 / p99 (50 connections)' } = options;
  return [
    {
      metric,
      value: fixed(result.requestsPerSecond),
      ratio: baseline && ratio(result.requestsPerSecond, baseline.requestsPerSecond),
      goal,
    },
    { metric: latency, value: `${result.p50Ms} ms / ${result.p99Ms} ms` },
  ];
}

/** p50 / p99 of timings taken here. */
export const spread = (values: readonly number[]) => `${fixed(percentile(values, 50), 1)} ms / ${fixed(percentile(values, 99), 1)} ms`;

/** GET /v1/ping through the gateway: what any authenticated request costs. */
export const pingLoad = (url: string, apiKey: string) => load({ url: `${url}/v1/ping`, headers: { 'x-api-key': apiKey } });

/** POST /v1/notes, one note over and over, with 50 connections. */
export async function creationLoad(urls: readonly string[], apiKey: string, guest: Guest, corpus: Corpus): Promise<LoadResult> {
  const created = await load({
    url: urls.map((url) => `${url}/v1/notes`),
    method: 'POST',
    headers: { ...headersOf(apiKey, guest), 'content-type': 'application/json' },
    body: JSON.stringify(corpus.note()),
  });
  return checked('POST /v1/notes', created);
}

/** GET /v1/search one request at a time through `url`: latency overall and by query kind. */
export async function searchLatencyRows(
  url: string,
  apiKey: string,
  guests: readonly Guest[],
  corpus: Corpus,
  goal?: string,
): Promise<BenchRow[]> {
  const timings: number[] = [];
  const byKind = new Map<QueryKind, number[]>();
  let hits = 0;
  for (let i = 0; i < LATENCY_QUERIES; i++) {
    const guest = guests[i % guests.length]!;
    const { kind, q } = corpus.query();
    const started = performance.now();
    const response = await fetch(`${url}/v1/search?q=${encodeURIComponent(q)}&limit=10`, { headers: headersOf(apiKey, guest) });
    const result = (await response.json()) as { hits?: unknown[] };
    const elapsed = performance.now() - started;
    timings.push(elapsed);
    byKind.set(kind, [...(byKind.get(kind) ?? []), elapsed]);
    if (response.status !== 200) throw new Error(`GET /v1/search answered ${response.status}: ${JSON.stringify(result)}`);
    hits += result.hits?.length ?? 0;
  }
  return [
    {
      metric: `GET /v1/search latency p50 / p99 (one at a time, ${fixed(LATENCY_QUERIES)} queries, ${fixed(hits / LATENCY_QUERIES, 1)} hits each)`,
      value: spread(timings),
      goal,
    },
    ...[...byKind].map(([kind, values]) => ({ metric: `… ${kind} (${values.length} queries)`, value: spread(values) })),
  ];
}

/** GET /v1/search with 50 connections, each request a fresh query of the mix for a random guest. */
export async function searchLoad(urls: readonly string[], apiKey: string, guests: readonly Guest[], corpus: Corpus): Promise<LoadResult> {
  const throughput = await load({
    url: urls,
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
  return checked('GET /v1/search', throughput);
}

/**
 * Write-to-searchable lag: writes at an even pace (paced-load.ts: each timed from when it was
 * due) while probes, also written at a steady pace, are polled through search from their 201
 * until found. With several API processes, a probe is written through one and searched through
 * the next.
 */
export async function lagRows(
  urls: readonly string[],
  apiKey: string,
  guests: readonly Guest[],
  corpus: Corpus,
  rate: number,
  options: { readonly lag?: string; readonly acknowledged?: string; readonly pollMs?: number } = {},
): Promise<BenchRow[]> {
  const probesPerSecond = rate / LAG_SAMPLE_EVERY;
  const pollMs = options.pollMs ?? LAG_POLL_MS;
  const body = JSON.stringify(corpus.note());
  const headers = { ...headersOf(apiKey, guests[0]!), 'content-type': 'application/json' };
  const agent = pacedAgent();
  const writesFor = (seconds: number) =>
    pacedLoad({
      agent,
      urls,
      rate: rate - probesPerSecond,
      seconds,
      request: () => ({ method: 'POST', path: '/v1/notes', headers, body }),
    });
  // Steady state: the first seconds at this rate (code paths still compiling, connections opening,
  // a previous load's queue draining) are not counted.
  await writesFor(LAG_WARMUP_SECONDS);
  const background = writesFor(LAG_SECONDS);
  const run = Math.floor(corpus.random() * 1e9).toString(36);
  const probe = async (i: number): Promise<number> => {
    const guest = guests[1 + (i % (guests.length - 1))]!;
    const token = `lagq${run}x${i.toString(36)}`;
    const response = await fetch(`${urls[i % urls.length]}/v1/notes`, {
      method: 'POST',
      headers: { ...headersOf(apiKey, guest), 'content-type': 'application/json' },
      body: JSON.stringify({ headline: `${token} ${corpus.words(2, 5)}`, text: corpus.words(20, 60) }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`POST /v1/notes answered ${response.status}`);
    const acknowledged = performance.now();
    const searchUrl = urls[(i + 1) % urls.length];
    for (;;) {
      const found = await fetch(`${searchUrl}/v1/search?q=${token}&limit=1`, { headers: headersOf(apiKey, guest) });
      if (((await found.json()) as { hits: unknown[] }).hits.length > 0) return performance.now() - acknowledged;
      const waited = performance.now() - acknowledged;
      await new Promise((resolve) => setTimeout(resolve, Math.max(pollMs, waited * LAG_POLL_SHARE)));
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
  agent.destroy();
  return [
    {
      metric: `writes at a target of ${fixed(rate)} notes/s: achieved notes/s (${writes.non2xx + writes.errors} failed)`,
      value: fixed(writes.requestsPerSecond + probesPerSecond),
    },
    {
      metric: '… 201 latency p50 / p99, from when each write was due',
      value: `${writes.p50Ms} ms / ${writes.p99Ms} ms`,
      goal: options.acknowledged,
    },
    {
      metric: `… write-to-searchable lag p50 / p99 (${lags.length} probes, polled every ${pollMs} ms, past 20 polls every 5 % of the wait)`,
      value: spread(lags),
      goal: options.lag,
    },
  ];
}
