import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../shared/urls.js';
import { withConnection } from '../testing/databases.js';
import { engines } from '../testing/engines.js';
import { json, removeTestData, runCli, startTestServer, TEST_ADMIN_TOKEN, tempDir } from '../testing/harness.js';
import { bearer, createGuest, passwordLogin, postJson } from '../testing/identity.js';
import { phoneJpeg } from '../testing/images.js';
import { uploaded } from '../testing/photos.js';
import { type ShoeboxProcess, spawnServe, spawnWorker } from '../testing/processes.js';
import { bucketFor, bucketKeys, putObject } from '../testing/s3.js';
import { createDeployment } from '../testing/shoebox.js';

/** Shoebox's key prefix in the bucket here, so the test can put objects outside it. */
const BLOB_PREFIX = 'tenant';

async function withRedis<T>(url: string, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** The schema's tables, or undefined when the schema does not exist. */
async function tablesOf(client: pg.Client, schema: string): Promise<string[] | undefined> {
  const exists = await client.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
  if (exists.rowCount === 0) return undefined;
  const { rows } = await client.query<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'`,
    [schema],
  );
  return rows.map((row) => row.name).sort();
}

async function keysStartingWith(redis: Redis, prefix: string): Promise<string[]> {
  const keys = new Set<string>();
  for await (const batch of redis.scanStream({ match: `${prefix}*` })) for (const key of batch as string[]) keys.add(key);
  return [...keys].sort();
}

describe.each(engines)('shoebox destroy ($name)', (engine) => {
  let dataDir: string;
  let env: Record<string, string>;
  const redisPrefix = `shoebox-destroy-${randomUUID().slice(0, 8)}:`;
  // Beside Shoebox's data in the same database, bucket and Redis, and not Shoebox's: they must survive.
  const neighbours = {
    schema: 'neighbour',
    objects: [
      'elsewhere/photos/pho_neighbour01/original',
      `${BLOB_PREFIX}/README.txt`,
      `${BLOB_PREFIX}/backups/2024-01-01`,
      `${BLOB_PREFIX}/staging/photos/pho_0123456789abcdef/original`,
    ],
    // Another deployment's prefix that starts like ours.
    redisKey: `${redisPrefix}staging:bucket:kept`,
  };

  /** Everything of Shoebox's that the test can see, on each engine the configuration names. */
  const shoeboxData = async () => ({
    files: existsSync(dataDir) ? readdirSync(dataDir).sort() : [],
    tables: env.SHOEBOX_DATABASE_URL ? await withConnection(env.SHOEBOX_DATABASE_URL, (client) => tablesOf(client, 'shoebox')) : undefined,
    objects: env.SHOEBOX_BLOB_URL ? (await bucketKeys(bucketFor(dataDir))).filter((key) => !neighbours.objects.includes(key)) : [],
    redisKeys: env.SHOEBOX_REDIS_URL
      ? await withRedis(env.SHOEBOX_REDIS_URL, (redis) => keysStartingWith(redis, redisPrefix)).then((keys) =>
          keys.filter((key) => key !== neighbours.redisKey),
        )
      : [],
  });

  beforeAll(async () => {
    dataDir = tempDir();
    const engineEnv = await engine.prepare(dataDir);
    env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_REDIS_PREFIX: redisPrefix, ...engineEnv };
    if (engineEnv.SHOEBOX_BLOB_URL) env.SHOEBOX_BLOB_URL = engineEnv.SHOEBOX_BLOB_URL.replace('?', `/${BLOB_PREFIX}?`);
    // A slow refill keeps token buckets (which expire once full again) in Redis until destroy runs.
    const server = await startTestServer({ engine, dataDir, env: { ...env, SHOEBOX_DEFAULT_RATE: '0.01', SHOEBOX_DEFAULT_BURST: '1000' } });
    try {
      const quotaKey = await json(
        await server.admin('/admin/keys', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'with quota', quota: { limit: 1000, period: 'month' } }),
        }),
      );
      expect((await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': quotaKey.key } })).status).toBe(200);
      expect((await passwordLogin(server, 'nobody@example.com', 'not the password')).status).not.toBe(200);
      const guest = await createGuest(server);
      expect((await postJson(server, '/v1/notes', { headline: 'Beach day', text: 'Sun and sand' }, bearer(guest.accessToken))).status).toBe(
        201,
      );
      await uploaded(server, guest.accessToken, await phoneJpeg());
    } finally {
      await server.stop();
    }
    if (env.SHOEBOX_DATABASE_URL) {
      await withConnection(env.SHOEBOX_DATABASE_URL, (client) =>
        client.query(
          `create schema ${neighbours.schema}; create table ${neighbours.schema}.kept (id int); insert into ${neighbours.schema}.kept values (1)`,
        ),
      );
    }
    if (env.SHOEBOX_BLOB_URL) for (const key of neighbours.objects) await putObject(bucketFor(dataDir), key, 'not Shoebox’s');
    if (env.SHOEBOX_REDIS_URL) await withRedis(env.SHOEBOX_REDIS_URL, (redis) => redis.set(neighbours.redisKey, 'kept'));
  });

  afterAll(async () => {
    if (env.SHOEBOX_REDIS_URL) await withRedis(env.SHOEBOX_REDIS_URL, (redis) => redis.del(neighbours.redisKey));
    // Drops the test database and bucket, which destroy leaves to their owner.
    await removeTestData(dataDir, engine);
  });

  it('lists what it would remove, with counts, and refuses without confirmation outside a terminal, removing nothing', async () => {
    const before = await shoeboxData();
    if (env.SHOEBOX_DATABASE_URL) expect(before.tables).toEqual(expect.arrayContaining(['api_keys', 'identities', 'notes', 'photos']));
    else expect(before.files).toContain('shoebox.sqlite');
    if (env.SHOEBOX_BLOB_URL) expect(before.objects).toContainEqual(expect.stringMatching(/^tenant\/photos\/pho_[\w-]+\/original$/));
    else expect(before.files).toContain('blobs');
    if (env.SHOEBOX_REDIS_URL) expect(before.redisKeys.length).toBeGreaterThan(0);

    const refused = await runCli(['destroy'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Refusing to destroy without confirmation');
    expect(refused.stdout).toContain('This permanently removes:');
    expect(refused.stdout).toContain('Nothing removed.');
    if (env.SHOEBOX_DATABASE_URL) {
      expect(refused.stdout).toContain(
        `PostgreSQL schema "shoebox" at ${redactUrl(env.SHOEBOX_DATABASE_URL)}: ${before.tables?.length} table(s)`,
      );
    }
    if (env.SHOEBOX_BLOB_URL)
      expect(refused.stdout).toMatch(new RegExp(`s3://${bucketFor(dataDir)}/tenant/\\?.*: ${before.objects.length} object\\(s\\)`));
    if (env.SHOEBOX_REDIS_URL) {
      expect(refused.stdout).toContain(
        `Redis ${redactUrl(env.SHOEBOX_REDIS_URL)}, keys starting with "${redisPrefix}": ${before.redisKeys.length} key(s)`,
      );
    }
    expect(await shoeboxData()).toEqual(before);
  });

  it('removes all of it with --yes, leaves what is not Shoebox’s, and then finds nothing to remove', async () => {
    const destroyed = await runCli(['destroy', '--yes'], { env });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toMatch(/Removed \d+ item\(s\)\./);
    expect(await shoeboxData()).toEqual({ files: [], tables: undefined, objects: [], redisKeys: [] });
    if (!env.SHOEBOX_DATABASE_URL) expect(existsSync(dataDir)).toBe(false);

    if (env.SHOEBOX_DATABASE_URL) {
      const kept = await withConnection(env.SHOEBOX_DATABASE_URL, (client) => client.query(`select id from ${neighbours.schema}.kept`));
      expect(kept.rows).toEqual([{ id: 1 }]);
    }
    if (env.SHOEBOX_BLOB_URL) expect(await bucketKeys(bucketFor(dataDir))).toEqual([...neighbours.objects].sort());
    if (env.SHOEBOX_REDIS_URL) expect(await withRedis(env.SHOEBOX_REDIS_URL, (redis) => redis.get(neighbours.redisKey))).toBe('kept');

    const again = await runCli(['destroy', '--yes'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to remove');
  });
});

describe.each(engines)('shoebox destroy while Shoebox runs ($name)', (engine) => {
  const dataDir = tempDir();
  afterAll(() => removeTestData(dataDir, engine));

  // Two processes and three CLI runs one after another: longer than the default timeout on a busy machine.
  it('refuses while a serve or worker process uses the deployment, naming it, and goes ahead once they are gone, even killed', async () => {
    const env: Record<string, string> = {
      SHOEBOX_DATA_DIR: dataDir,
      SHOEBOX_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...(await engine.prepare(dataDir)),
    };
    const postgres = env.SHOEBOX_DATABASE_URL !== undefined;
    const refusedWhile = async (running: ShoeboxProcess, command: string) => {
      const refused = await runCli(['destroy', '--yes'], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('Refusing to destroy while Shoebox runs on this deployment');
      expect(refused.stderr).toContain(
        postgres ? 'PostgreSQL session(s) of Shoebox on schema "shoebox"' : `shoebox ${command} (pid ${running.pid})`,
      );
      expect(refused.stderr).toContain('Nothing removed');
      expect(refused.stdout).not.toContain('Removed');
    };

    const server = await spawnServe(env, ['--no-worker']);
    try {
      const apiKey = /sbk_[A-Za-z0-9_-]{43}/.exec(server.stdout())?.[0] ?? '';
      // pg's pool closes connections idle for 10 s: an API process without traffic must still be seen.
      if (postgres) await new Promise((resolve) => setTimeout(resolve, 11_000));
      await refusedWhile(server, 'serve');
      // Nothing was removed: the server still answers from its data.
      expect((await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': apiKey } })).status).toBe(200);
      expect(
        (await json(await fetch(`${server.url}/admin/keys`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }))).keys,
      ).toHaveLength(1);
      await server.stop('SIGKILL');

      const worker = await spawnWorker({ ...env, SHOEBOX_LOG_LEVEL: 'info' });
      await refusedWhile(worker, 'worker');
      await worker.stop('SIGKILL');

      // Killed processes leave their registration behind; it no longer holds destroy back.
      const destroyed = await runCli(['destroy', '--yes'], { env });
      expect(destroyed.code, destroyed.stderr).toBe(0);
      expect(destroyed.stdout).toMatch(/Removed \d+ item\(s\)\./);
      if (!postgres) expect(existsSync(dataDir)).toBe(false);
    } finally {
      await server.stop('SIGKILL');
    }
  }, 240_000);
});

describe('shoebox destroy refusing its configuration', () => {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  // An embedded data folder with data in it: a refused destroy must leave every file.
  let before: string[];
  beforeAll(async () => {
    await createDeployment({ SHOEBOX_DATA_DIR: dataDir });
    expect((await runCli(['keys', 'create', '--name', 'kept'], { env: { SHOEBOX_DATA_DIR: dataDir } })).code).toBe(0);
    before = readdirSync(dataDir).sort();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names each engine that does not answer, without its password, exits non-zero and removes nothing anywhere', async () => {
    const result = await runCli(['destroy', '--yes'], {
      env: {
        SHOEBOX_DATA_DIR: dataDir,
        SHOEBOX_DATABASE_URL: 'postgres://shoebox:hunter2@127.0.0.1:1/shoebox',
        SHOEBOX_REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot reach PostgreSQL at postgres://shoebox:redacted@127.0.0.1:1/shoebox');
    expect(result.stderr).toContain('Cannot reach Redis at redis://:redacted@127.0.0.1:1/0');
    expect(result.stderr).toContain('Nothing removed');
    expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2');
    expect(readdirSync(dataDir).sort()).toEqual(before);
  });

  it.each(['public', 'information_schema', 'pg_catalog'])('refuses to take the shared schema %s for Shoebox’s own', async (schema) => {
    const result = await runCli(['destroy', '--yes'], {
      env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_DATABASE_URL: 'postgres://shoebox@127.0.0.1:1/shoebox', SHOEBOX_DATABASE_SCHEMA: schema },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`SHOEBOX_DATABASE_SCHEMA="${schema}" is wrong: expected a schema of Shoebox’s own`);
    expect(readdirSync(dataDir).sort()).toEqual(before);
  });
});
