import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, type BenchScenario, createBenchKey, fixed, startShoebox, stopProcess } from '../lib.js';
import { Corpus, writeCorpus } from './notes-corpus.js';
import {
  createGuests,
  creationLoad,
  lagRows,
  loadAverageRow,
  loadRows,
  pingLoad,
  searchLatencyRows,
  searchLoad,
} from './notes-measures.js';

const CORPUS_NOTES = 100_000;
const GUESTS = 20;
/** The goal's rate, and a rate this 2-core machine sustains while it also runs the load generator. */
const LAG_RATES = [1_000, 300];

export const notes: BenchScenario = {
  name: 'notes',
  title: 'Notes and search: creation, search, write-to-searchable lag',
  description:
    '`shoebox serve` in its own process on the embedded engine, driven from this one. Creation: POST /v1/notes with autocannon ' +
    '(50 connections, 5 s), against GET /v1/ping through the same gateway as baseline. Search: a corpus of 100,000 generated ' +
    'notes (Zipf-distributed pseudo-words, 20–120 per note, over 20 identities, written through the notes service) and a mix ' +
    'of queries (common and rare words, two words, phrases, prefixes, exclusions, OR); latency one request at a time, ' +
    'throughput with 50 connections. Lag: notes POSTed at an even pace of 1,000/s, then 300/s, for 20 s each after 3 s ' +
    'not counted (open loop over 50 kept-alive connections, each write timed from when it was due; plus one probe per 50 ' +
    'notes); each probe is polled through GET /v1/search every 5 ms from its 201 until it is found (past 20 polls, every 5 % of its wait so far). Writes the server ' +
    'cannot keep up with queue, and the lag then measures the queue. In search, a one-word ' +
    'query reads impact postings (a few index seeks, see the search scenario); other queries rank every match with bm25, ' +
    'about 10 µs per matching note, so a very common word among others or a broad prefix (thousands of matches per ' +
    'identity) takes tens of milliseconds. The machine is shared: the first row gives its load when the run started.',
  async run() {
    const loadAtStart = loadAverageRow();
    const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
    const env = { SHOEBOX_DATA_DIR: dataDir };
    // Access tokens name the public URL as issuer: keep it fixed across the restart (the port changes).
    const serverEnv = { SHOEBOX_PUBLIC_URL: 'http://shoebox-bench.invalid' };
    const corpus = new Corpus();
    try {
      let server = await startShoebox(serverEnv, dataDir);
      const key = await createBenchKey(env);
      const guests = await createGuests(server.url, key, GUESTS);
      const ping = await pingLoad(server.url, key);
      const created = await creationLoad([server.url], key, guests[0]!, corpus);
      const rows: BenchRow[] = [
        loadAtStart,
        { metric: 'GET /v1/ping (gateway baseline), requests/s', value: fixed(ping.requestsPerSecond) },
        ...loadRows('POST /v1/notes, notes created/s', created, {
          baseline: ping,
          goal: '≥ 3,000/s',
          latency: 'POST /v1/notes latency p50 / p99 (50 connections)',
        }),
      ];

      await stopProcess(server.process);
      process.stdout.write(`  writing a corpus of ${fixed(CORPUS_NOTES)} notes through the service…\n`);
      await writeCorpus(
        env,
        guests.map((g) => g.identityId),
        CORPUS_NOTES,
        corpus,
      );
      server = await startShoebox(serverEnv, dataDir);
      rows.push(...(await searchLatencyRows(server.url, key, guests, corpus, 'p99 ≤ 20 ms')));
      const throughput = await searchLoad([server.url], key, guests, corpus);
      rows.push(
        ...loadRows('GET /v1/search, requests/s (50 connections)', throughput, {
          latency: 'GET /v1/search latency p50 / p99 (50 connections)',
        }),
      );
      for (const rate of LAG_RATES) {
        rows.push(
          ...(await lagRows(
            [server.url],
            key,
            guests,
            corpus,
            rate,
            rate === 1_000 ? { lag: 'p99 ≤ 50 ms', acknowledged: 'p99 ≤ 50 ms' } : {},
          )),
        );
      }
      await stopProcess(server.process);
      return rows;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
