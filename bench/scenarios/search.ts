import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, type BenchScenario, checked, createBenchKey, fixed, load, ratio, startShoebox, stopProcess } from '../lib.js';
import { provisionScaleOut } from '../scale-out.js';
import { Corpus, writeCorpus } from './notes-corpus.js';
import { createGuests, loadAverageRow, pingLoad, spread } from './notes-measures.js';

const NOTES = 100_000;
const CONNECTIONS = 32;
const LATENCY_QUERIES = 1_000;
/** Searches before each measured load, not counted. */
const WARMUP_SECONDS = 3;
/** Mobile notes: 2–6 headline words and 6–34 text words, 8–40 in all. */
const SHAPE = { headline: [2, 6], text: [6, 34] } as const;
const corpusOf = () => new Corpus(20_000, 7, SHAPE);
/** The query words: from rare to very common, as the workload this goal was set on. */
const DOCUMENT_FREQUENCIES = { min: 85, max: 36_000 };
/** A word no note holds: excluding it changes no result but sends the query down the ranking of every match. */
const ABSENT = 'zzqxv';

/** Where a run's notes live: its extra environment, settling after the bulk load, and clean-up. */
interface SearchEngine {
  readonly env: Record<string, string>;
  settle(): Promise<void>;
  remove(): Promise<void>;
}

const embeddedEngine = async (): Promise<SearchEngine> => ({ env: {}, settle: async () => {}, remove: async () => {} });

/** The corpus, the queries and the measures, with how the engine highlights said after the queries. */
const describe = (highlighting: string) =>
  '100,000 notes of 8–40 words from a Zipf-distributed vocabulary, all of one identity (scope `mine` covers them all: the ' +
  'worst case, the same shape as `scope=public` over many users), written through the notes service and indexed. Queries: ' +
  `single words whose document frequency ranges from 85 to 36,000 notes, \`limit=10\`, each request a word drawn at random. ${highlighting} ` +
  'Throughput and latency with 32 connections (autocannon, 10 s, after 3 s of the same load not counted); latency one request at a time over 1,000 queries; then ' +
  'throughput again with the same data served by two HTTP processes (SHOEBOX_HTTP_PROCESSES=2). ' +
  'Baselines in the same run: GET /v1/ping through the same gateway, and the same queries ranked over every match (each ' +
  'query with an exclusion of a word no note holds, which gives the same results the way search worked before one-word ' +
  'queries read ranked postings). The machine is shared: the first row gives its load when the run started.';

export const search: BenchScenario = {
  name: 'search',
  title: 'Search at 100,000 notes: one-word queries, top 10',
  description: `\`shoebox serve\` in its own process on the embedded engine (FTS5 and impact postings), driven from this one. ${describe(
    "Highlighting looks each word's stem up in a cache of up to 50,000 words and stems the ones it lacks: after the warm-up the corpus's whole 20,000-word vocabulary is cached, as a note collection's common words would be.",
  )}`,
  run: () => measureSearch(embeddedEngine),
};

export const searchPostgres: BenchScenario = {
  name: 'search-postgres',
  title: 'Search at 100,000 notes on PostgreSQL: one-word queries, top 10',
  description:
    '`shoebox serve` (indexing in the same process) on PostgreSQL, a database made for the run and dropped after it ' +
    `(ts_rank over the GIN index, and stored word scores), driven from this one; VACUUM ANALYZE after the load. ${describe("Highlights come from ts_headline over the page's hits.")}`,
  async run() {
    const scaleOut = await provisionScaleOut();
    if ('skipped' in scaleOut) {
      process.stdout.write(`  skipped: ${scaleOut.skipped}\n`);
      return [];
    }
    return measureSearch(async () => scaleOut);
  },
};

async function measureSearch(open: () => Promise<SearchEngine>): Promise<BenchRow[]> {
  const loadAtStart = loadAverageRow();
  const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
  const engine = await open();
  const env = { ...engine.env, SHOEBOX_DATA_DIR: dataDir };
  const serverEnv = { ...engine.env, SHOEBOX_PUBLIC_URL: 'http://shoebox-bench.invalid' };
  const pooled = engine.env.SHOEBOX_DATABASE_URL !== undefined;
  try {
    let server = await startShoebox(serverEnv, dataDir);
    const key = await createBenchKey(env);
    const [guest] = await createGuests(server.url, key, 1);
    await stopProcess(server.process);
    const words = queryWords();
    process.stdout.write(`  writing ${fixed(NOTES)} notes through the service; ${words.length} query words…\n`);
    await writeCorpus(env, [guest!.identityId], NOTES, corpusOf(), pooled ? 10 : 1);
    await engine.settle();
    server = await startShoebox(serverEnv, dataDir);
    const headers = { 'x-api-key': key, authorization: `Bearer ${guest!.accessToken}` };
    let next = 0;
    const path = (suffix = '') => `/v1/search?q=${encodeURIComponent(words[next++ % words.length]! + suffix)}&limit=10`;
    const searchFor = (duration: number, suffix?: string) =>
      load({
        url: server.url,
        connections: CONNECTIONS,
        duration,
        requests: [{ setupRequest: (request) => ({ ...request, method: 'GET', path: path(suffix), headers }) }],
      });
    // Steady state: the first seconds of a load on a process (code paths still compiling, the
    // database's pages not yet mapped, connections opening) are not counted.
    const searchLoad = async (suffix?: string) => {
      await searchFor(WARMUP_SECONDS, suffix);
      return searchFor(10, suffix);
    };
    const latency = await oneAtATime(server.url, headers, () => path());
    const ping = await pingLoad(server.url, key);
    // The baseline may time out (autocannon gives up after 10 s): its errors are reported, not fatal.
    const everyMatch = await searchLoad(` -${ABSENT}`);
    const oneWord = checked('GET /v1/search', await searchLoad());
    await stopProcess(server.process);
    // The same data served by two HTTP processes: what the second core adds.
    server = await startShoebox({ ...serverEnv, SHOEBOX_HTTP_PROCESSES: '2' }, dataDir);
    const twoProcesses = checked('GET /v1/search', await searchLoad());
    await stopProcess(server.process);
    return [
      loadAtStart,
      { metric: `GET /v1/ping (gateway baseline, 50 connections), requests/s`, value: fixed(ping.requestsPerSecond) },
      {
        metric: `one-word search ranked over every match (before), requests/s (${everyMatch.errors} timed out)`,
        value: fixed(everyMatch.requestsPerSecond),
      },
      { metric: '… latency p50 / p99', value: `${everyMatch.p50Ms} ms / ${everyMatch.p99Ms} ms` },
      {
        metric: `one-word search, requests/s (${CONNECTIONS} connections; ratio: to ranking every match)`,
        value: fixed(oneWord.requestsPerSecond),
        ratio: ratio(oneWord.requestsPerSecond, everyMatch.requestsPerSecond),
        goal: '≥ 2,800/s',
      },
      { metric: '… latency p50 / p99', value: `${oneWord.p50Ms} ms / ${oneWord.p99Ms} ms`, goal: 'p99 ≤ 20 ms' },
      { metric: '… ratio to GET /v1/ping', value: '', ratio: ratio(oneWord.requestsPerSecond, ping.requestsPerSecond) },
      {
        metric: `one-word search with SHOEBOX_HTTP_PROCESSES=2, requests/s (${CONNECTIONS} connections; ratio: to one process)`,
        value: fixed(twoProcesses.requestsPerSecond),
        ratio: ratio(twoProcesses.requestsPerSecond, oneWord.requestsPerSecond),
        goal: '≥ 2,800/s',
      },
      { metric: '… latency p50 / p99', value: `${twoProcesses.p50Ms} ms / ${twoProcesses.p99Ms} ms`, goal: 'p99 ≤ 20 ms' },
      { metric: `one-word search latency p50 / p99 (one at a time, ${fixed(LATENCY_QUERIES)} queries)`, value: latency },
    ] satisfies BenchRow[];
  } finally {
    await engine.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Words of the corpus whose document frequency is in range, found by generating the same notes. */
function queryWords(): string[] {
  const corpus = corpusOf();
  const documents = new Map<string, number>();
  for (let i = 0; i < NOTES; i++) {
    const { headline, text } = corpus.note();
    for (const word of new Set(`${headline} ${text}`.split(' '))) documents.set(word, (documents.get(word) ?? 0) + 1);
  }
  const words = [...documents].filter(([, n]) => n >= DOCUMENT_FREQUENCIES.min && n <= DOCUMENT_FREQUENCIES.max).map(([word]) => word);
  return words.sort(() => corpus.random() - 0.5);
}

async function oneAtATime(url: string, headers: Record<string, string>, path: () => string): Promise<string> {
  const timings: number[] = [];
  for (let i = 0; i < LATENCY_QUERIES; i++) {
    const started = performance.now();
    const response = await fetch(`${url}${path()}`, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET /v1/search answered ${response.status}`);
    timings.push(performance.now() - started);
  }
  return spread(timings);
}
