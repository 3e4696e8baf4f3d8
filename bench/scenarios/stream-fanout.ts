import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BenchRow, type BenchScenario, createBenchKey, fixed, load, ratio, startShoebox } from '../lib.js';
import { createGuests, type Guest, loadAverageRow, spread } from './notes-measures.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const WEBHOOKS = 10;
/** Realtime clients; SHOEBOX_BENCH_SSE_CLIENTS makes a smaller run (the goal is stated for 1,000). */
const SSE_CLIENTS = Number(process.env.SHOEBOX_BENCH_SSE_CLIENTS ?? 1_000);
const SSE_IDENTITIES = 10;
const SSE_PROBES = 200;

const headersOf = (apiKey: string, guest: Guest) => ({ 'x-api-key': apiKey, authorization: `Bearer ${guest.accessToken}` });

/** POST /v1/notes with 50 connections for 5 s. */
const writeLoad = (url: string, apiKey: string, guest: Guest) =>
  load({
    url: `${url}/v1/notes`,
    method: 'POST',
    headers: { ...headersOf(apiKey, guest), 'content-type': 'application/json' },
    body: JSON.stringify({ headline: 'bench', text: 'a note for the fan-out benchmark' }),
  });

/** A receiver on loopback that acknowledges at once and counts distinct deliveries. */
async function startReceiver() {
  const seen = new Set<string>();
  const server = createServer((request, response) => {
    seen.add(String(request.headers['shoebox-delivery']));
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => server.close() };
}

/** Opens a realtime stream and calls `heard` with each event's note headline as it arrives. */
async function listen(url: string, apiKey: string, guest: Guest, heard: (headline: string) => void, signal: AbortSignal) {
  const response = await fetch(`${url}/v1/changes/stream`, { headers: headersOf(apiKey, guest), signal });
  if (response.status !== 200 || !response.body) throw new Error(`GET /v1/changes/stream answered ${response.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
          const data = text
            .slice(0, end)
            .split('\n')
            .find((line) => line.startsWith('data: '));
          text = text.slice(end + 2);
          if (data) heard(JSON.parse(data.slice(6)).data.headline);
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
}

const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

export const streamFanout: BenchScenario = {
  name: 'stream-fanout',
  title: 'Webhooks and realtime: delivery rate, write latency with webhooks, commit → SSE event',
  description:
    '`shoebox serve` on the embedded engine in its own process. Write latency: POST /v1/notes (autocannon, 50 connections, ' +
    `5 s) with no webhook, then with ${WEBHOOKS} webhooks for note.created pointing at a receiver in this process that ` +
    'answers 204 at once; the ratio shows what webhooks add to writes (delivery is asynchronous). Deliveries/s: the ' +
    'deliveries of those notes counted at the receiver, from the start of the load until all arrived. Realtime: ' +
    `${SSE_CLIENTS} GET /v1/changes/stream clients over ${SSE_IDENTITIES} identities; ${SSE_PROBES} notes written one at a ` +
    "time, each timed from its 201 to its event at every client of its identity; memory: the server's resident set " +
    'before the clients connected and with them connected.',
  async run() {
    const rows: BenchRow[] = [loadAverageRow()];
    const receiver = await startReceiver();
    const env = { SHOEBOX_ADMIN_TOKEN: ADMIN_TOKEN, SHOEBOX_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', SHOEBOX_GUESTS_PER_ADDRESS: '1000000' };
    const server = await startShoebox(env);
    const abort = new AbortController();
    try {
      const key = await createBenchKey({ ...env, SHOEBOX_DATA_DIR: server.dataDir });
      const [writer, ...listeners] = await createGuests(server.url, key, 1 + SSE_IDENTITIES);
      if (!writer) throw new Error('no guest');
      const bare = await writeLoad(server.url, key, writer);
      for (let i = 0; i < WEBHOOKS; i++) {
        const response = await fetch(`${server.url}/admin/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: receiver.url, events: ['note.created'] }),
        });
        if (response.status !== 201) throw new Error(`POST /admin/webhooks answered ${response.status}`);
      }
      const started = performance.now();
      const hooked = await writeLoad(server.url, key, writer);
      const expected = Math.round(hooked.requestsPerSecond * 5) * WEBHOOKS;
      while (receiver.seen.size < expected * 0.99) await new Promise((resolve) => setTimeout(resolve, 50));
      const seconds = (performance.now() - started) / 1000;
      rows.push(
        { metric: 'POST /v1/notes, notes/s without webhooks', value: fixed(bare.requestsPerSecond) },
        {
          metric: `POST /v1/notes, notes/s with ${WEBHOOKS} webhooks`,
          value: fixed(hooked.requestsPerSecond),
          ratio: ratio(hooked.requestsPerSecond, bare.requestsPerSecond),
          goal: 'no measurable drop',
        },
        {
          metric: 'POST /v1/notes latency p50 / p99, without → with webhooks',
          value: `${bare.p50Ms} / ${bare.p99Ms} ms → ${hooked.p50Ms} / ${hooked.p99Ms} ms`,
        },
        { metric: 'webhook deliveries/s (acknowledged, whole drain)', value: fixed(receiver.seen.size / seconds) },
      );

      const before = rssBytes(server.process.pid ?? 0);
      const arrivals = new Map<string, number[]>();
      for (let i = 0; i < SSE_CLIENTS; i++) {
        const guest = listeners[i % listeners.length] as Guest;
        await listen(server.url, key, guest, (headline) => arrivals.get(headline)?.push(performance.now()), abort.signal);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const connected = rssBytes(server.process.pid ?? 0);
      const latencies: number[] = [];
      for (let probe = 0; probe < SSE_PROBES; probe++) {
        const guest = listeners[probe % listeners.length] as Guest;
        const headline = `probe ${probe}`;
        arrivals.set(headline, []);
        const response = await fetch(`${server.url}/v1/notes`, {
          method: 'POST',
          headers: { ...headersOf(key, guest), 'content-type': 'application/json' },
          body: JSON.stringify({ headline, text: 'x' }),
        });
        const committed = performance.now();
        if (response.status !== 201) throw new Error(`POST /v1/notes answered ${response.status}`);
        const clients = Math.ceil((SSE_CLIENTS - (probe % listeners.length)) / listeners.length);
        const heard = arrivals.get(headline) ?? [];
        while (heard.length < clients) await new Promise((resolve) => setTimeout(resolve, 2));
        latencies.push(...heard.map((at) => Math.max(0, at - committed)));
      }
      rows.push(
        { metric: `commit → SSE event p50 / p99, ${SSE_CLIENTS} clients`, value: spread(latencies), goal: 'p99 ≤ 100 ms' },
        {
          // Both, not their difference: the garbage of the write load above is still being freed meanwhile.
          metric: `server resident memory before → with ${fixed(SSE_CLIENTS)} clients connected, MiB`,
          value: `${fixed(before / 2 ** 20)} → ${fixed(connected / 2 ** 20)}`,
        },
      );
      return rows;
    } finally {
      abort.abort();
      receiver.close();
      await server.stop();
    }
  },
};
