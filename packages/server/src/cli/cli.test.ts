import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../testing/harness.js';
import { spawnServe } from '../testing/processes.js';
import { createDeployment } from '../testing/shoebox.js';

describe('shoebox CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = tempDir();
    env = { SHOEBOX_DATA_DIR: join(dir, 'data') };
    await createDeployment(env);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('explains itself with --help', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'config', 'keys', 'destroy']) expect(help.stdout).toContain(command);
    const keysHelp = await runCli(['keys', 'create', '--help']);
    expect(keysHelp.stdout).toMatch(/--quota-period <period>.*\(choices: "day", "week", "month"\)/s);
  });

  it('answers an unknown command with exit code 2', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--help');
  });

  it('prints the effective configuration with secrets redacted, reading .env', async () => {
    const cwd = join(dir, 'project');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, '.env'), 'SHOEBOX_PORT=9090\nSHOEBOX_ADMIN_TOKEN=dotenv-secret-token-0123456789\n');
    const result = await runCli(['config'], { cwd, env: { SHOEBOX_LOG_LEVEL: 'debug' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SHOEBOX_PORT=9090');
    expect(result.stdout).toContain('SHOEBOX_LOG_LEVEL=debug');
    expect(result.stdout).toContain('SHOEBOX_PUBLIC_URL=http://127.0.0.1:9090');
    expect(result.stdout).toContain('SHOEBOX_ADMIN_TOKEN=[redacted]');
    expect(result.stdout).not.toContain('dotenv-secret-token');
  });

  it('manages keys: create, list, show, set-plan, revoke, with --json', async () => {
    const created = JSON.parse(
      (await runCli(['keys', 'create', '--name', 'cli key', '--rate', '3', '--burst', '6', '--json'], { env })).stdout,
    );
    expect(created).toMatchObject({ name: 'cli key', rateLimit: { rate: 3, burst: 6 }, quota: null, key: expect.stringMatching(/^sbk_/) });

    const listed = JSON.parse((await runCli(['keys', 'list', '--json'], { env })).stdout);
    expect(listed.keys).toContainEqual(expect.objectContaining({ id: created.id }));
    expect((await runCli(['keys', 'list'], { env })).stdout).toContain(
      `${created.id}  ${created.prefix}…  cli key  3 req/s, bursts of 6, no quota`,
    );

    const planned = await runCli(['keys', 'set-plan', created.id, '--quota-limit', '500', '--quota-period', 'week', '--json'], { env });
    expect(JSON.parse(planned.stdout)).toMatchObject({ rateLimit: { rate: 3, burst: 6 }, quota: { limit: 500, period: 'week' } });
    const shown = JSON.parse((await runCli(['keys', 'show', created.id, '--json'], { env })).stdout);
    expect(shown.usage).toMatchObject({ used: 0, limit: 500, period: 'week' });
    const unquota = await runCli(['keys', 'set-plan', created.id, '--no-quota', '--json'], { env });
    expect(JSON.parse(unquota.stdout)).toMatchObject({ quota: null });

    const revoked = await runCli(['keys', 'revoke', created.id], { env });
    expect(revoked.stdout).toContain(`Revoked ${created.id}`);
    expect((await runCli(['keys', 'list'], { env })).stdout).toMatch(new RegExp(`${created.id}.*REVOKED`));
  });

  describe('refusals', () => {
    // Refused commands change nothing, so every case compares with the same snapshot.
    let before: string;
    beforeAll(async () => {
      before = (await runCli(['keys', 'list', '--json'], { env })).stdout;
    });

    it.each([
      { name: 'a rate of zero', args: ['keys', 'create', '--name', 'x', '--rate', '0'], message: 'plan.rateLimit.rate' },
      { name: 'a non-numeric burst', args: ['keys', 'create', '--name', 'x', '--burst', 'lots'], message: 'plan.rateLimit.burst' },
      { name: 'a quota without a period', args: ['keys', 'create', '--name', 'x', '--quota-limit', '5'], message: 'plan.quota' },
      {
        name: 'an unknown period',
        args: ['keys', 'create', '--name', 'x', '--quota-limit', '5', '--quota-period', 'year'],
        message: 'year',
      },
      { name: 'a missing name', args: ['keys', 'create'], message: '--name' },
      { name: 'an unknown id', args: ['keys', 'revoke', 'key_nope'], message: 'No API key has the id' },
    ])('refuses $name and changes nothing', async ({ args, message }) => {
      const result = await runCli(args, { env });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
      expect((await runCli(['keys', 'list', '--json'], { env })).stdout).toBe(before);
    });
  });

  it('revokes through the CLI while the server runs, effective within a second', async () => {
    const server = await spawnServe(env);
    try {
      const { id, key } = JSON.parse((await runCli(['keys', 'create', '--name', 'live', '--json'], { env })).stdout);
      expect((await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': key } })).status).toBe(200);
      await runCli(['keys', 'revoke', id], { env });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await fetch(`${server.url}/v1/ping`, { headers: { 'x-api-key': key } })).status).toBe(403);
    } finally {
      await server.stop();
    }
  });
});
