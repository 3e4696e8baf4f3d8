import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { json, removeTestData, runCli, TEST_ADMIN_TOKEN, tempDir } from '../testing/harness.js';
import { spawnServe } from '../testing/processes.js';

describe('first and later starts of `shoebox serve`', () => {
  const dataDir = join(tempDir(), 'data');
  afterAll(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('creates the data folder, database, secrets and a first key, and prints them once', async () => {
    const first = await spawnServe({ SHOEBOX_DATA_DIR: dataDir });
    const adminToken = /Admin token: (sba_[A-Za-z0-9_-]{43})/.exec(first.stdout())?.[1];
    const apiKey = /API key: +(sbk_[A-Za-z0-9_-]{43})/.exec(first.stdout())?.[1];
    expect(adminToken).toBeDefined();
    expect(apiKey).toBeDefined();
    expect(first.stdout()).toContain(`curl -H "x-api-key: ${apiKey}" ${first.url}/v1/ping`);

    expect(existsSync(join(dataDir, 'shoebox.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'shoebox.sqlite-wal'))).toBe(true);
    expect(statSync(join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'secrets', 'admin-token.sha256')).mode & 0o777).toBe(0o600);
    // A copy for whoever reads stdout only through a log collector, readable by the owner only.
    const saved = join(dataDir, 'secrets', 'first-start.txt');
    expect(first.stdout()).toContain(saved);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(readFileSync(saved, 'utf8')).toMatch(new RegExp(`Admin token: ${adminToken}\nAPI key: +${apiKey}\n`));

    const ping = await fetch(`${first.url}/v1/ping`, { headers: { 'x-api-key': apiKey! } });
    expect(ping.status).toBe(200);
    const keys = await fetch(`${first.url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(keys.status).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await spawnServe({ SHOEBOX_DATA_DIR: dataDir });
    expect(second.stdout()).not.toMatch(/sba_|sbk_|Admin token|API key:/);
    expect((await fetch(`${second.url}/v1/ping`, { headers: { 'x-api-key': apiKey! } })).status).toBe(200);
    expect((await fetch(`${second.url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('recovers a lost admin token: SHOEBOX_ADMIN_TOKEN replaces it, and removing its hash makes a new one on the next start', async () => {
    const lost = /Admin token: (sba_[A-Za-z0-9_-]{43})/.exec(readFileSync(join(dataDir, 'secrets', 'first-start.txt'), 'utf8'))?.[1];
    const chosen = 'operator-chosen-recovery-token-0123456789';
    const withChosen = await spawnServe({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_ADMIN_TOKEN: chosen });
    expect((await fetch(`${withChosen.url}/admin/keys`, { headers: { authorization: `Bearer ${chosen}` } })).status).toBe(200);
    expect((await fetch(`${withChosen.url}/admin/keys`, { headers: { authorization: `Bearer ${lost}` } })).status).toBe(403);
    expect(await withChosen.stop()).toBe(0);

    rmSync(join(dataDir, 'secrets', 'admin-token.sha256'));
    const renewed = await spawnServe({ SHOEBOX_DATA_DIR: dataDir });
    const adminToken = /Admin token: (sba_[A-Za-z0-9_-]{43})/.exec(renewed.stdout())?.[1];
    expect(adminToken).toBeDefined();
    expect(adminToken).not.toBe(lost);
    expect(renewed.stdout()).not.toMatch(/sbk_/);
    expect((await fetch(`${renewed.url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await fetch(`${renewed.url}/admin/keys`, { headers: { authorization: `Bearer ${lost}` } })).status).toBe(403);
    // Added to the saved copy, after the first start's secrets.
    const saved = readFileSync(join(dataDir, 'secrets', 'first-start.txt'), 'utf8');
    expect(saved.indexOf(`Admin token: ${lost}`)).toBeGreaterThanOrEqual(0);
    expect(saved.indexOf(`Admin token: ${adminToken}`)).toBeGreaterThan(saved.indexOf(`Admin token: ${lost}`));
    expect(await renewed.stop()).toBe(0);
  });

  it('creates no secrets when it cannot listen, so the next start that listens shows them', async () => {
    const dir = tempDir();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const refused = await runCli(['serve'], { env: { SHOEBOX_DATA_DIR: dir, SHOEBOX_PORT: port } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('EADDRINUSE');
      expect(`${refused.stdout}${refused.stderr}`).not.toMatch(/sba_|sbk_/);
      expect(existsSync(join(dir, 'secrets', 'admin-token.sha256'))).toBe(false);

      const listening = await spawnServe({ SHOEBOX_DATA_DIR: dir });
      const adminToken = /Admin token: (sba_[A-Za-z0-9_-]{43})/.exec(listening.stdout())?.[1];
      const apiKey = /API key: +(sbk_[A-Za-z0-9_-]{43})/.exec(listening.stdout())?.[1];
      expect((await fetch(`${listening.url}/v1/ping`, { headers: { 'x-api-key': apiKey! } })).status).toBe(200);
      const keys = await json(await fetch(`${listening.url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } }));
      expect(keys.keys).toHaveLength(1);
      expect(await listening.stop()).toBe(0);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('three processes started at once on a new data folder generate one admin token between them, printed by one and accepted by all', async () => {
    const dataDir = tempDir();
    const env = { SHOEBOX_DATA_DIR: dataDir };
    const processes = await Promise.all([1, 2, 3].map(() => spawnServe(env)));
    try {
      const printed = processes.flatMap((process) => /Admin token: (sba_[A-Za-z0-9_-]{43})/.exec(process.stdout())?.[1] ?? []);
      expect(printed).toHaveLength(1);
      for (const process of processes) {
        expect((await fetch(`${process.url}/admin/keys`, { headers: { authorization: `Bearer ${printed[0]}` } })).status).toBe(200);
      }
    } finally {
      await Promise.all(processes.map((process) => process.stop()));
      await removeTestData(dataDir);
    }
  });

  it('does not generate an admin token when SHOEBOX_ADMIN_TOKEN is set', async () => {
    const dir = tempDir();
    try {
      const server = await spawnServe({ SHOEBOX_DATA_DIR: dir, SHOEBOX_ADMIN_TOKEN: 'operator-chosen-token-0123456789' });
      expect(server.stdout()).not.toContain('Admin token');
      expect(server.stdout()).toMatch(/API key: +sbk_/);
      const keys = await fetch(`${server.url}/admin/keys`, { headers: { authorization: 'Bearer operator-chosen-token-0123456789' } });
      expect(keys.status).toBe(200);
      expect(await server.stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(engines)('processes starting at once on a new deployment ($name)', (engine) => {
  it('make one first key between them, printed by one of them', async () => {
    const dataDir = tempDir();
    const env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...(await engine.prepare(dataDir)) };
    const processes = await Promise.all([1, 2, 3].map(() => spawnServe(env)));
    try {
      expect(processes.filter((process) => /sbk_/.test(process.stdout()))).toHaveLength(1);
      const keys = await json(await fetch(`${processes[0]!.url}/admin/keys`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } }));
      expect(keys.keys).toHaveLength(1);
    } finally {
      await Promise.all(processes.map((process) => process.stop()));
      await removeTestData(dataDir, engine);
    }
  });
});

describe('configuration errors', () => {
  it('stop the server with exit code 2 and one line per bad variable', async () => {
    const result = await runCli(['serve'], {
      env: { SHOEBOX_PORT: '99999', SHOEBOX_LOG_LEVEL: 'loud', SHOEBOX_PUBLIC_URL: 'ftp://x', SHOEBOX_ADMIN_TOKEN: 'short' },
    });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines).toEqual(
      expect.arrayContaining([
        'SHOEBOX_PORT="99999" is wrong: expected a whole number from 0 to 65535',
        'SHOEBOX_LOG_LEVEL="loud" is wrong: expected one of fatal, error, warn, info, debug, trace, silent',
        'SHOEBOX_PUBLIC_URL="ftp://x" is wrong: expected an http or https URL',
        expect.stringMatching(/^SHOEBOX_ADMIN_TOKEN=\(hidden\) is wrong: expected 24 to 256 characters/),
      ]),
    );
    expect(result.stderr).not.toContain('short');
  });
});
