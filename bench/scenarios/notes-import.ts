import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type BenchRow,
  type BenchScenario,
  cli,
  createBenchKey,
  fixed,
  type LoadResult,
  load,
  ratio,
  startShoebox,
  stopProcess,
} from '../lib.js';
import { Corpus } from './notes-corpus.js';
import { createGuests, type Guest, loadAverageRow } from './notes-measures.js';

const NOTES = 100_000;
const BATCH = 100;
const CONNECTIONS = 32;

export const notesImport: BenchScenario = {
  name: 'notes-import',
  title: 'Bulk loading notes: shoebox import and POST /v1/notes/batch',
  description:
    `\`shoebox import\` of ${fixed(NOTES)} generated notes (the notes scenario's corpus, one JSON line each, no noteId) for ` +
    'one identity on the embedded engine, timed from spawning the command to its exit, start-up included; then the same ' +
    'file again, every note replayed. Baseline: the same rows (note and change record) inserted into the same schema with ' +
    'plain better-sqlite3 prepared statements in one transaction, in this process. Over HTTP: `shoebox serve` driven with ' +
    `autocannon, ${CONNECTIONS} connections for 5 s each, POST /v1/notes/batch with ${BATCH} notes per request against ` +
    'POST /v1/notes one note per request, in notes created per second.',
  async run() {
    const rows: BenchRow[] = [loadAverageRow()];
    const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
    const env = { SHOEBOX_DATA_DIR: dataDir };
    const corpus = new Corpus();
    const file = join(dataDir, 'notes.jsonl');
    writeFileSync(file, `${Array.from({ length: NOTES }, () => JSON.stringify(corpus.note())).join('\n')}\n`);
    // Access tokens name the public URL as issuer: keep it fixed across the restart (the port changes).
    const serverEnv = { SHOEBOX_PUBLIC_URL: 'http://shoebox-bench.invalid' };
    let server = await startShoebox(serverEnv, dataDir);
    try {
      const key = await createBenchKey(env);
      const [guest] = await createGuests(server.url, key, 1);
      await stopProcess(server.process);

      const baseline = plainInserts(join(dataDir, 'shoebox.sqlite'), join(dataDir, 'baseline.sqlite'), corpus);
      rows.push({ metric: 'baseline: better-sqlite3 prepared statements, one transaction, notes/s', value: fixed(baseline) });
      const imported = await timedImport(file, guest!, env, 'imported');
      rows.push({
        metric: `shoebox import, ${fixed(NOTES)} new notes, notes/s`,
        value: fixed(imported),
        ratio: ratio(imported, baseline),
        goal: '≥ 10,000/s',
      });
      const replayed = await timedImport(file, guest!, env, 'replayed');
      rows.push({
        metric: 'shoebox import of the same file again (all replayed), notes/s',
        value: fixed(replayed),
        ratio: ratio(replayed, baseline),
      });

      server = await startShoebox(serverEnv, dataDir);
      const single = await posting(server.url, '/v1/notes', key, guest!, corpus.note());
      const batched = await posting(server.url, '/v1/notes/batch', key, guest!, {
        notes: Array.from({ length: BATCH }, () => corpus.note()),
      });
      rows.push(
        { metric: `POST /v1/notes, notes/s (${CONNECTIONS} connections)`, value: fixed(single.requestsPerSecond) },
        {
          metric: `POST /v1/notes/batch, ${BATCH} notes a request, notes/s (${CONNECTIONS} connections)`,
          value: fixed(batched.requestsPerSecond * BATCH),
          ratio: ratio(batched.requestsPerSecond * BATCH, single.requestsPerSecond),
        },
        { metric: 'POST /v1/notes/batch latency p50 / p99', value: `${batched.p50Ms} ms / ${batched.p99Ms} ms` },
      );
      return rows;
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

/** Runs `shoebox import` and answers notes/s from spawn to exit, checking every note was `expected`. */
async function timedImport(file: string, guest: Guest, env: Record<string, string>, expected: 'imported' | 'replayed'): Promise<number> {
  const started = performance.now();
  const summary = JSON.parse(await cli(['import', file, '--identity', guest.identityId, '--json'], env));
  const seconds = (performance.now() - started) / 1000;
  if (summary[expected] !== NOTES) throw new Error(`shoebox import: ${JSON.stringify({ ...summary, skipped: summary.skipped.length })}`);
  return NOTES / seconds;
}

/** The rows an import writes, note and change, with prepared statements in one transaction into a copy of the schema. */
function plainInserts(schemaFrom: string, file: string, corpus: Corpus): number {
  const source = new SQLite(schemaFrom, { readonly: true });
  const tables = source
    .prepare("select sql from sqlite_master where tbl_name in ('notes', 'stream_changes') and sql is not null")
    .all() as { sql: string }[];
  source.close();
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const { sql } of tables) db.exec(sql);
  const note = db.prepare(
    'insert into notes (note_id, owner_id, headline, text, photo_ids, visibility, version, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 1, ?, ?)',
  );
  const change = db.prepare(
    "insert into stream_changes (entity, entity_id, owner_id, op, version, new_image, created_at) values ('note', ?, ?, 'INSERT', 1, ?, ?)",
  );
  const notes = Array.from({ length: NOTES }, () => corpus.note());
  const started = performance.now();
  db.transaction(() => {
    for (const { headline, text } of notes) {
      const noteId = randomUUID();
      const now = Date.now();
      const at = new Date(now).toISOString();
      note.run(noteId, 'idn_baseline', headline, text, '[]', 'private', now, now);
      const image = {
        noteId,
        headline,
        text,
        photoIds: [],
        visibility: 'private',
        version: 1,
        createdAt: at,
        updatedAt: at,
        ownerId: 'idn_baseline',
      };
      change.run(noteId, 'idn_baseline', JSON.stringify(image), now);
    }
  })();
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return NOTES / seconds;
}

/** The same body POSTed over and over; the answers must all be 2xx. */
async function posting(url: string, path: string, apiKey: string, guest: Guest, body: unknown): Promise<LoadResult> {
  const result = await load({
    url: `${url}${path}`,
    method: 'POST',
    connections: CONNECTIONS,
    headers: { 'x-api-key': apiKey, authorization: `Bearer ${guest.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`POST ${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}
