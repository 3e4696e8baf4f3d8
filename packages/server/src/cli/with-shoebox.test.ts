import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../shared/urls.js';
import { withConnection } from '../testing/databases.js';
import { engines } from '../testing/engines.js';
import { removeTestData, runCli, tempDir } from '../testing/harness.js';
import { createDeployment } from '../testing/shoebox.js';

const schemaExists = (url: string) =>
  withConnection(url, async (client) => (await client.query(`select 1 from pg_namespace where nspname = 'shoebox'`)).rowCount === 1);

/** Run from another folder, a command must not make a new, empty deployment there and answer as if it were the real one. */
describe.each(engines)('CLI commands other than serve and worker, where there is no deployment ($name)', (engine) => {
  const cwd = tempDir();
  const dataDir = join(cwd, 'data');
  let env: Record<string, string>;
  beforeAll(async () => {
    // No SHOEBOX_DATA_DIR: the default ./data of the working directory, as an operator in the wrong folder would have it.
    env = await engine.prepare(dataDir);
  });
  afterAll(async () => {
    await removeTestData(dataDir, engine);
    rmSync(cwd, { recursive: true, force: true });
  });

  it.each(['keys list', 'identity list', 'stream status', 'reindex', 'import - --identity idn_x'])(
    '`shoebox %s` refuses, naming where it looked, and creates nothing',
    async (command) => {
      const result = await runCli(command.split(' '), { cwd, env });
      expect(result.code).toBe(1);
      const place = env.SHOEBOX_DATABASE_URL ? `PostgreSQL schema "shoebox" at ${redactUrl(env.SHOEBOX_DATABASE_URL)}` : dataDir;
      expect(result.stderr).toContain(`No Shoebox deployment in ${place}`);
      expect(result.stdout).toBe('');
      expect(existsSync(dataDir)).toBe(false);
      if (env.SHOEBOX_DATABASE_URL) expect(await schemaExists(env.SHOEBOX_DATABASE_URL)).toBe(false);
    },
  );

  it('works once `shoebox serve` has made the deployment', async () => {
    await createDeployment({ SHOEBOX_DATA_DIR: dataDir, ...env });
    const result = await runCli(['keys', 'list'], { cwd, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('No API keys.\n');
  });
});
