import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
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

const ROUNDS = 2;

/** Starts Shoebox with an API key whose plan never limits the benchmark, nor does the guest limit per address. */
async function shoeboxWithKey(): Promise<{ server: BenchServer; key: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
  const server = await startShoebox({ SHOEBOX_GUESTS_PER_ADDRESS: '1000000' }, dataDir);
  return { server, key: await createBenchKey({ SHOEBOX_DATA_DIR: dataDir }) };
}

export const identities: BenchScenario = {
  name: 'identities',
  title: 'Identities: guest creation and token verification',
  description:
    'POST /v1/identities (a guest identity, a session and a signed token pair per request), then GET /v1/identities/me with ' +
    'an access token (signature, issuer, audience and times checked, identity and session looked up, the identity read) against ' +
    'GET /v1/ping (API key only) on the same server, driven by autocannon (50 connections, 5 s); rounds alternate and the best ' +
    'round of each counts.',
  async run() {
    const { server, key } = await shoeboxWithKey();
    try {
      const created = checked(
        'POST /v1/identities',
        await load({ url: `${server.url}/v1/identities`, method: 'POST', headers: { 'x-api-key': key } }),
      );
      const guest = (await (await fetch(`${server.url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': key } })).json()) as {
        accessToken: string;
      };
      let ping: LoadResult | undefined;
      let me: LoadResult | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        ping = best(ping, checked('GET /v1/ping', await load({ url: `${server.url}/v1/ping`, headers: { 'x-api-key': key } })));
        const headers = { 'x-api-key': key, authorization: `Bearer ${guest.accessToken}` };
        me = best(me, checked('GET /v1/identities/me', await load({ url: `${server.url}/v1/identities/me`, headers })));
      }
      if (!ping || !me) throw new Error('no rounds ran');
      return [
        { metric: 'POST /v1/identities (guests created), requests/s', value: fixed(created.requestsPerSecond) },
        { metric: 'POST /v1/identities latency p50 / p99', value: `${created.p50Ms} ms / ${created.p99Ms} ms` },
        { metric: 'GET /v1/ping (API key only), requests/s', value: fixed(ping.requestsPerSecond) },
        {
          metric: 'GET /v1/identities/me (API key + access token), requests/s',
          value: fixed(me.requestsPerSecond),
          ratio: ratio(me.requestsPerSecond, ping.requestsPerSecond),
          goal: '≥ 0.8',
        },
        { metric: 'GET /v1/identities/me latency p50 / p99', value: `${me.p50Ms} ms / ${me.p99Ms} ms` },
      ];
    } finally {
      await server.stop();
    }
  },
};
