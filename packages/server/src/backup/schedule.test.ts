import { writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTestData, runCli, startTestServer, type TestServer, tempDir } from '../testing/harness.js';
import { blobUrlFor, bucketKeys, createBucket, removeBucket } from '../testing/s3.js';
import { eventually } from '../testing/shoebox.js';

const BACKUP_NAME = /^shoebox-backup-\d{8}T\d{9}Z\.tar\.gz$/;

const logged = (server: TestServer, message: string) => server.logs.filter((line) => line.msg === message);

/** The value of a metric without labels, as the server's /metrics answers it. */
async function metric(server: TestServer, name: string): Promise<number> {
  const text = await (await server.admin('/metrics')).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('scheduled backups from serve', () => {
  const work = tempDir('shoebox-scheduled-');
  afterAll(() => removeTestData(work));

  it('writes a backup every interval into a folder, keeps the newest ones and reports them in metrics', async () => {
    const folder = join(work, 'backups');
    const server = await startTestServer({
      env: { SHOEBOX_BACKUP_URL: folder, SHOEBOX_BACKUP_INTERVAL_SECONDS: '1', SHOEBOX_BACKUP_KEEP: '2' },
    });
    try {
      await eventually(async () => logged(server, 'backup written').length >= 3, 100);
      expect(await metric(server, 'shoebox_backup_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 600);
      expect(await metric(server, 'shoebox_backup_last_size_bytes')).toBeGreaterThan(0);
      expect(await metric(server, 'shoebox_backup_last_duration_seconds')).toBeGreaterThan(0);
      expect(await metric(server, 'shoebox_backup_failures_total')).toBe(0);
    } finally {
      // Stopping waits for a backup under way, so the folder is settled afterwards.
      await server.stop();
    }
    const kept = (await readdir(folder)).sort();
    expect(kept).toHaveLength(2);
    for (const name of kept) expect(name).toMatch(BACKUP_NAME);
    // The newest one restores with --latest.
    const restored = await runCli(['restore', '--latest'], {
      env: { SHOEBOX_DATA_DIR: join(work, 'restored'), SHOEBOX_BACKUP_URL: folder },
    });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`from ${join(folder, kept[1] ?? '')}`);
  });

  it('writes backups under the prefix of a bucket', async () => {
    const bucket = 'shoebox-test-scheduled-backups';
    await createBucket(bucket);
    const url = (await blobUrlFor(bucket)).replace('?', '/nightly?');
    const server = await startTestServer({
      env: { SHOEBOX_BACKUP_URL: url, SHOEBOX_BACKUP_INTERVAL_SECONDS: '1', SHOEBOX_BACKUP_KEEP: '1' },
    });
    try {
      await eventually(async () => logged(server, 'backup written').length >= 2, 100);
    } finally {
      await server.stop();
    }
    const keys = await bucketKeys(bucket);
    expect(keys).toHaveLength(1);
    expect(keys[0]?.replace('nightly/', '')).toMatch(BACKUP_NAME);
    expect(logged(server, 'backup written').at(-1)?.backup).not.toContain('S3RVER');
    const restored = await runCli(['restore', '--latest'], {
      env: { SHOEBOX_DATA_DIR: join(work, 'from-bucket'), SHOEBOX_BACKUP_URL: url },
    });
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`from s3://${bucket}/${keys[0]}`);
    await removeBucket(bucket);
  });

  it('logs a failed backup, counts it and keeps serving', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    const server = await startTestServer({
      env: { SHOEBOX_BACKUP_URL: join(file, 'backups'), SHOEBOX_BACKUP_INTERVAL_SECONDS: '1' },
    });
    try {
      const [failure] = await eventually(async () => {
        const failures = logged(server, 'scheduled backup failed: the next one is tried at the next interval');
        return failures.length > 0 && failures;
      }, 100);
      expect(failure?.level).toBe(50);
      expect(await metric(server, 'shoebox_backup_failures_total')).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('restores --latest only from a place that has a backup, and wants a file or --latest', async () => {
    const dataDir = join(work, 'nothing');
    const unset = await runCli(['restore', '--latest'], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('SHOEBOX_BACKUP_URL, which is not set');
    const empty = await runCli(['restore', '--latest'], { env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_BACKUP_URL: join(work, 'empty') } });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('There is no backup at');
    const neither = await runCli(['restore'], { env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('Give either a backup file or --latest');
    expect(await readdir(dataDir).catch(() => [])).toEqual([]);
  });

  it('is refused at start on PostgreSQL, where the database has backups of its own', async () => {
    const result = await runCli(['config'], {
      env: { SHOEBOX_BACKUP_URL: join(work, 'pg'), SHOEBOX_DATABASE_URL: 'postgres://shoebox@127.0.0.1:5432/shoebox' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SHOEBOX_BACKUP_URL backs up the embedded engine');
  });
});
