import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, type BenchScenario, createBenchKey, fixed, startShoebox, startWorker, stopProcess } from '../lib.js';
import { provisionScaleOut } from '../scale-out.js';
import { Corpus, writeCorpus } from './notes-corpus.js';
import * as measure from './notes-measures.js';

const CORPUS_NOTES = 100_000;
/** Corpus writes in flight at once: the size of the writer's connection pool. */
const CORPUS_CONCURRENCY = 10;
const GUESTS = 20;
const LAG_RATE = 1_000;
/** A tenth of the lag goal, as the embedded scenario polls for its own: probes polled every 5 ms take a core's worth of searches. */
const LAG_POLL_MS = 25;
/** One partition of each stream consumer per worker, so the two workers index side by side. */
const PARTITIONS = 2;

export const notesPostgres: BenchScenario = {
  name: 'notes-postgres',
  title: 'Notes and search on PostgreSQL and Redis: one and two API processes, two workers',
  description: [
    'The scale-out engine on this machine: PostgreSQL (a database made for the run, dropped after it) and Redis (rate limits, ',
    "under the run's own key prefix), with `shoebox serve --no-worker` API processes and `shoebox worker` processes each in ",
    'its own process, driven from this one. Creation: POST /v1/notes with autocannon (50 connections, 5 s) through one API ',
    'process, then through two (autocannon deals its connections out between them), against GET /v1/ping through the first ',
    "one's gateway as baseline; no worker runs yet, so the changes wait in the stream and are indexed with the corpus. ",
    `Search: the corpus of the embedded scenario (${fixed(CORPUS_NOTES)} generated notes over ${GUESTS} identities, written `,
    `through the notes service by this process in batches of 500, ${CORPUS_CONCURRENCY} batches at a time, and indexed; then VACUUM ANALYZE, as `,
    'autovacuum does after a bulk load) and the same mix of queries; latency one request at a time through one process, ',
    'throughput with 50 connections through one and through two. Lag: two workers, and notes POSTed through both API ',
    `processes at an even pace of ${fixed(LAG_RATE)}/s for ${measure.LAG_SECONDS} s after ${measure.LAG_WARMUP_SECONDS} s not counted (open loop, each `,
    'write timed from when it was due; plus one probe per ',
    `${measure.LAG_SAMPLE_EVERY} notes); each probe is written through one process and polled through the other's `,
    `GET /v1/search every ${LAG_POLL_MS} ms (a tenth of the goal) from its 201 until it is found (past 20 polls, every 5 % of `,
    'its wait so far). Each stream consumer is split into ',
    `${PARTITIONS} partitions by note (SHOEBOX_STREAM_PARTITIONS), shared out between the workers, so they index side by side. `,
    'PostgreSQL, Redis, the API processes, the workers and the load generator all share the two cores, so a second API ',
    'process brings no CPU of its own: its ratio says what spreading the load costs or gains on the same cores, not how ',
    'Shoebox scales across machines. The machine is shared: the first row gives its load when the run started.',
  ].join(''),
  async run() {
    const loadAtStart = measure.loadAverageRow();
    const scaleOut = await provisionScaleOut();
    if ('skipped' in scaleOut) {
      process.stdout.write(`  skipped: ${scaleOut.skipped}\n`);
      return [];
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
    // Every process signs and checks access tokens with the same issuer: the public URL, not its own port.
    const env = {
      ...scaleOut.env,
      SHOEBOX_DATA_DIR: dataDir,
      SHOEBOX_PUBLIC_URL: 'http://shoebox-bench.invalid',
      SHOEBOX_STREAM_PARTITIONS: String(PARTITIONS),
    };
    const processes: ChildProcess[] = [];
    const startApi = async () => {
      const server = await startShoebox(env, dataDir, ['serve', '--no-worker']);
      processes.push(server.process);
      return server.url;
    };
    const corpus = new Corpus();
    try {
      // CLI commands only use a deployment: the first API process makes it.
      const first = await startApi();
      const key = await createBenchKey(env);
      const guests = await measure.createGuests(first, key, GUESTS);
      const owners = guests.map((g) => g.identityId);
      const ping = await measure.pingLoad(first, key);
      const createdByOne = await measure.creationLoad([first], key, guests[0]!, corpus);
      const both = [first, await startApi()];
      const createdByTwo = await measure.creationLoad(both, key, guests[0]!, corpus);
      const rows: BenchRow[] = [
        loadAtStart,
        { metric: 'GET /v1/ping (gateway baseline), one API process, requests/s', value: fixed(ping.requestsPerSecond) },
        ...measure.loadRows('POST /v1/notes, one API process, notes created/s (ratio: to ping)', createdByOne, { baseline: ping }),
        ...measure.loadRows('POST /v1/notes, two API processes, notes created/s (ratio: to one process)', createdByTwo, {
          baseline: createdByOne,
        }),
      ];

      process.stdout.write(`  writing a corpus of ${fixed(CORPUS_NOTES)} notes through the service…\n`);
      const writing = performance.now();
      await writeCorpus(env, owners, CORPUS_NOTES, corpus, CORPUS_CONCURRENCY);
      rows.push({
        metric: `corpus of ${fixed(CORPUS_NOTES)} notes written through the service (${CORPUS_CONCURRENCY} batches at a time) and indexed, s`,
        value: fixed((performance.now() - writing) / 1000, 1),
      });
      await scaleOut.settle();

      rows.push(...(await measure.searchLatencyRows(first, key, guests, corpus)));
      const searchedByOne = await measure.searchLoad([first], key, guests, corpus);
      const searchedByTwo = await measure.searchLoad(both, key, guests, corpus);
      rows.push(
        ...measure.loadRows('GET /v1/search, one API process, requests/s (50 connections)', searchedByOne),
        ...measure.loadRows('GET /v1/search, two API processes, requests/s (ratio: to one process)', searchedByTwo, {
          baseline: searchedByOne,
        }),
      );

      for (let i = 0; i < 2; i++) processes.push(await startWorker(env));
      rows.push(...(await measure.lagRows(both, key, guests, corpus, LAG_RATE, { lag: 'p99 ≤ 250 ms', pollMs: LAG_POLL_MS })));
      return rows;
    } finally {
      await Promise.all(processes.map(stopProcess));
      await scaleOut.remove();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
