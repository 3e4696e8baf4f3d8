import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BenchScenario, createBenchKey, fixed, load, ratio, startShoebox, stopProcess, waitFor } from '../lib.js';

const ROUNDS = 2;

export const gateway: BenchScenario = {
  name: 'gateway',
  title: 'API gateway: GET /v1/ping',
  description:
    'GET /v1/ping through the whole gateway (API key lookup, token bucket, request log, metrics) against a bare node:http ' +
    'server answering the same bytes, both in their own process, driven by autocannon (50 connections, 5 s) from a third; ' +
    'rounds alternate and the best round of each counts.',
  async run() {
    const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
    const shoebox = await startShoebox({}, dataDir);
    const key = await createBenchKey({ SHOEBOX_DATA_DIR: dataDir });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const bare = spawn(process.execPath, [resolve(import.meta.dirname, 'bare-http-server.js'), String(port)], { stdio: 'ignore' });
    try {
      await waitFor(`http://127.0.0.1:${port}/v1/ping`);
      const headers = { 'x-api-key': key };
      let bestBare = 0;
      let bestShoebox = { requestsPerSecond: 0, p50Ms: 0, p99Ms: 0, non2xx: 0, errors: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const baseline = await load({ url: `http://127.0.0.1:${port}/v1/ping` });
        bestBare = Math.max(bestBare, baseline.requestsPerSecond);
        const measured = await load({ url: `${shoebox.url}/v1/ping`, headers });
        if (measured.non2xx > 0 || measured.errors > 0)
          throw new Error(`gateway answered ${measured.non2xx} non-2xx, ${measured.errors} errors`);
        if (measured.requestsPerSecond > bestShoebox.requestsPerSecond) bestShoebox = measured;
      }
      return [
        { metric: 'bare node:http, requests/s', value: fixed(bestBare) },
        {
          metric: 'Shoebox GET /v1/ping, requests/s',
          value: fixed(bestShoebox.requestsPerSecond),
          ratio: ratio(bestShoebox.requestsPerSecond, bestBare),
          goal: '≥ 0.5',
        },
        { metric: 'Shoebox GET /v1/ping latency p50 / p99', value: `${bestShoebox.p50Ms} ms / ${bestShoebox.p99Ms} ms` },
      ];
    } finally {
      await stopProcess(bare);
      await shoebox.stop();
    }
  },
};
