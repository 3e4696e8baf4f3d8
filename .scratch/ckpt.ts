import { sql } from 'kysely';
import { openSqlite } from '../packages/server/src/db/sqlite.js';
const file = `/tmp/rest-ckpt-${process.pid}/db.sqlite`;
const database = openSqlite(file, { backgroundCheckpoints: process.argv[2] === 'bg' });
await sql`create table t (id integer primary key, v text)`.execute(database.db);
const started = performance.now();
const times: number[] = [];
for (let i = 0; i < 2000; i++) {
  const t = performance.now();
  await database.db.transaction().execute(async (trx) => { for (let j = 0; j < 10; j++) await sql`insert into t (v) values (${'x'.repeat(2000)})`.execute(trx); });
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const at = (p: number) => times[Math.floor(p * times.length)]!.toFixed(1);
console.log(process.argv[2], 'total', (performance.now() - started).toFixed(0), 'ms p50', at(0.5), 'p99', at(0.99), 'p99.9', at(0.999), '>20ms', times.filter((t) => t > 20).length);
await new Promise((r) => setTimeout(r, 600));
const { rows } = await sql`pragma wal_checkpoint(PASSIVE)`.execute(database.db);
console.log(rows, process.memoryUsage().rss / 1e6);
await database.close();
