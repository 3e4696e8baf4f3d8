import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BenchRow,
  type BenchScenario,
  type BenchServer,
  best,
  checked,
  createBenchKey,
  fixed,
  type LoadResult,
  load,
  ratio,
  startShoebox,
} from '../lib.js';
import { loadAverageRow } from './notes-measures.js';

const ROUNDS = 2;

interface Served {
  readonly server: BenchServer;
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly noteId: string;
}

/** `shoebox serve` on the embedded engine with `processes` HTTP processes, a key and a guest with one note. */
async function serveWith(processes: number): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
  const server = await startShoebox({ SHOEBOX_GUESTS_PER_ADDRESS: '1000000', SHOEBOX_HTTP_PROCESSES: String(processes) }, dataDir);
  const key = await createBenchKey({ SHOEBOX_DATA_DIR: dataDir });
  const guest = (await (await fetch(`${server.url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': key } })).json()) as {
    accessToken: string;
  };
  const headers = { 'x-api-key': key, authorization: `Bearer ${guest.accessToken}` };
  const note = await fetch(`${server.url}/v1/notes`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ headline: 'read me', text: 'a note read over and over' }),
  });
  return { server, key, headers, noteId: ((await note.json()) as { noteId: string }).noteId };
}

const WORKLOADS: readonly { name: string; run: (s: Served) => Promise<LoadResult> }[] = [
  { name: 'GET /v1/ping', run: (s) => load({ url: `${s.server.url}/v1/ping`, headers: { 'x-api-key': s.key } }) },
  {
    name: 'POST /v1/notes',
    run: (s) =>
      load({
        url: `${s.server.url}/v1/notes`,
        method: 'POST',
        headers: { ...s.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ headline: 'bench note', text: 'written with every core serving requests' }),
      }),
  },
  { name: 'GET /v1/notes/{id}', run: (s) => load({ url: `${s.server.url}/v1/notes/${s.noteId}`, headers: s.headers }) },
  {
    name: 'POST /v1/identities (guests)',
    run: (s) => load({ url: `${s.server.url}/v1/identities`, method: 'POST', headers: { 'x-api-key': s.key } }),
  },
];

export const httpProcesses: BenchScenario = {
  name: 'http-processes',
  title: 'Both cores: one HTTP process against two (SHOEBOX_HTTP_PROCESSES)',
  description:
    '`shoebox serve` on the embedded engine as one process, and with SHOEBOX_HTTP_PROCESSES=2 (two HTTP processes on one ' +
    'port, the primary running the stream processor), each on a fresh data folder, driven by autocannon (50 connections, ' +
    '5 s) from this process: GET /v1/ping, POST /v1/notes (the primary indexes meanwhile), GET /v1/notes/{id} and guest ' +
    'creation. Rounds alternate between the two servers and the best round of each counts; the ratio is two processes ' +
    'over one. The load generator shares the two cores, so two HTTP processes cannot double a rate here.',
  async run() {
    const single = await serveWith(1);
    const double = await serveWith(2);
    try {
      const rows: BenchRow[] = [loadAverageRow()];
      for (const workload of WORKLOADS) {
        let one: LoadResult | undefined;
        let two: LoadResult | undefined;
        for (let round = 0; round < ROUNDS; round++) {
          one = best(one, checked(workload.name, await workload.run(single)));
          two = best(two, checked(workload.name, await workload.run(double)));
        }
        if (!one || !two) continue;
        rows.push(
          {
            metric: `${workload.name}, requests/s, 1 → 2 HTTP processes`,
            value: `${fixed(one.requestsPerSecond)} → ${fixed(two.requestsPerSecond)}`,
            ratio: ratio(two.requestsPerSecond, one.requestsPerSecond),
          },
          { metric: '… latency p50 / p99, 1 → 2 HTTP processes', value: `${one.p50Ms} / ${one.p99Ms} ms → ${two.p50Ms} / ${two.p99Ms} ms` },
        );
      }
      return rows;
    } finally {
      await single.server.stop();
      await double.server.stop();
    }
  },
};
