// Ad-hoc: notes at 1,000/s against a server, with the event-loop delay it reports.
import { createBenchKey, startShoebox } from '../bench/lib.js';
import { Corpus } from '../bench/scenarios/notes-corpus.js';
import { createGuests, lagRows } from '../bench/scenarios/notes-measures.js';

const ADMIN = 'lag-admin-token-0123456789abcdef0123456789';
const server = await startShoebox({ SHOEBOX_PUBLIC_URL: 'http://x.invalid', SHOEBOX_ADMIN_TOKEN: ADMIN });
try {
  const env = { SHOEBOX_DATA_DIR: server.dataDir };
  const key = await createBenchKey(env);
  const guests = await createGuests(server.url, key, 5);
  const rows = await lagRows([server.url], key, guests, new Corpus(), Number(process.argv[2] ?? 1000));
  console.log(rows.map((r) => `${r.metric}: ${r.value}`).join('\n'));
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  console.log(metrics.split('\n').filter((l) => /eventloop_lag_(max|p99|p50)|gc_duration_seconds_sum/.test(l)).join('\n'));
} finally {
  await server.stop();
}
