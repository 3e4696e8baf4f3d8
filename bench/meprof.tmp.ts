import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchKey, load, startShoebox } from './lib.js';
const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
const server = await startShoebox({ SHOEBOX_GUESTS_PER_ADDRESS: '1000000', ...(process.env.PROF ? { NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/prof' } : {}) }, dataDir);
try {
  const key = await createBenchKey({ SHOEBOX_DATA_DIR: dataDir });
  const guest = (await (await fetch(`${server.url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': key } })).json()) as { accessToken: string };
  for (let r = 0; r < 2; r++) {
    const ping = await load({ url: `${server.url}/v1/ping`, headers: { 'x-api-key': key } });
    const me = await load({ url: `${server.url}/v1/identities/me`, headers: { 'x-api-key': key, authorization: `Bearer ${guest.accessToken}` } });
    console.log('ping', Math.round(ping.requestsPerSecond), 'me', Math.round(me.requestsPerSecond), (me.requestsPerSecond / ping.requestsPerSecond).toFixed(2));
  }
} finally { await server.stop(); }
