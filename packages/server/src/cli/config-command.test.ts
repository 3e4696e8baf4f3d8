import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTestData, runCli, TEST_ADMIN_TOKEN, tempDir } from '../testing/harness.js';
import { spawnServe } from '../testing/processes.js';
import { eventually } from '../testing/shoebox.js';

describe('shoebox config', () => {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A working directory with the given `.env`. */
  const project = (name: string, dotenv: string) => {
    const cwd = join(dir, name);
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(cwd, '.env'), dotenv);
    return cwd;
  };

  it('prints each value under where it came from: the environment, .env, or the default', async () => {
    const cwd = project(
      'origins',
      'SHOEBOX_PORT=9090\nSHOEBOX_LOG_LEVEL=warn\nSHOEBOX_DATABASE_URL=postgres://shoebox:pa55word@db:5432/shoebox\n',
    );
    const result = await runCli(['config'], { cwd, env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_LOG_LEVEL: 'debug' } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const sections = result.stdout.split(/^(?=# )/m);
    expect(sections).toHaveLength(3);
    const [environment, file, defaults] = sections;
    expect(environment).toBe(`# Set in the environment\nSHOEBOX_DATA_DIR=${dataDir}\nSHOEBOX_LOG_LEVEL=debug\n`);
    expect(file).toBe(
      `# Set in ${join(cwd, '.env')}\nSHOEBOX_PORT=9090\nSHOEBOX_DATABASE_URL=postgres://shoebox:redacted@db:5432/shoebox\n`,
    );
    expect(defaults).toMatch(/^# Defaults\nSHOEBOX_HOST=127\.0\.0\.1\n/);
    // A default derived from other values follows them.
    expect(defaults).toContain('SHOEBOX_PUBLIC_URL=http://127.0.0.1:9090\n');
    expect(defaults).toContain('SHOEBOX_ADMIN_TOKEN=(generated on first start, stored hashed)\n');
    expect(result.stdout).not.toContain('pa55word');
  });

  it('names every variable once, with the same values in --json', async () => {
    const text = await runCli(['config'], { env: { SHOEBOX_DATA_DIR: dataDir } });
    const json = await runCli(['config', '--json'], { env: { SHOEBOX_DATA_DIR: dataDir } });
    const lines = text.stdout.split('\n').filter((line) => line.startsWith('SHOEBOX_'));
    const values = JSON.parse(json.stdout) as Record<string, unknown>;
    const names = lines.map((line) => line.split('=')[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(values).sort());
    expect(values).toMatchObject({ SHOEBOX_PORT: 8080, SHOEBOX_CORS_ORIGINS: '(off)', SHOEBOX_DEMO: 'on' });
  });

  it.each([
    { typo: 'SHOEBOX_DATABSE_URL', meant: 'SHOEBOX_DATABASE_URL' },
    { typo: 'SHOEBOX_PROT', meant: 'SHOEBOX_PORT' },
    { typo: 'SHOEBOX_STREAM_POLL', meant: 'SHOEBOX_STREAM_POLL_MS' },
  ])('warns once that $typo is not a setting, suggesting $meant, and goes on', async ({ typo, meant }) => {
    const result = await runCli(['config'], { env: { SHOEBOX_DATA_DIR: dataDir, [typo]: '1' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`shoebox: warning: ${typo} is not a Shoebox setting; did you mean ${meant}?\n`);
  });

  it('warns about a typo in .env, naming the file, and suggests nothing for a name far from every setting', async () => {
    const cwd = project('typos', 'SHOEBOX_ADMIN_TOKNE=x\nSHOEBOX_FAVOURITE_COLOUR=blue\n');
    const result = await runCli(['config'], { cwd, env: { SHOEBOX_DATA_DIR: dataDir } });
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n')).toEqual([
      `shoebox: warning: SHOEBOX_ADMIN_TOKNE (in ${join(cwd, '.env')}) is not a Shoebox setting; did you mean SHOEBOX_ADMIN_TOKEN?`,
      `shoebox: warning: SHOEBOX_FAVOURITE_COLOUR (in ${join(cwd, '.env')}) is not a Shoebox setting; see \`shoebox config\` for the settings`,
      '',
    ]);
  });

  it('warns from every command, before it starts', async () => {
    const result = await runCli(['keys', 'list'], { env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_DEMMO: 'off' } });
    expect(result.stderr).toContain('shoebox: warning: SHOEBOX_DEMMO is not a Shoebox setting; did you mean SHOEBOX_DEMO?');
  });

  it('warns once for a serve with several HTTP processes, which read the environment too', async () => {
    const serveDir = tempDir();
    const serve = await spawnServe({
      SHOEBOX_DATA_DIR: serveDir,
      SHOEBOX_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      SHOEBOX_LOG_LEVEL: 'info',
      SHOEBOX_HTTP_PROCESSES: '2',
      SHOEBOX_STREAM_POL_MS: '100',
    });
    try {
      await eventually(async () => serve.stdout().match(/"msg":"HTTP process listening"/g)?.length === 2);
      expect(serve.stderr()).toBe(
        'shoebox: warning: SHOEBOX_STREAM_POL_MS is not a Shoebox setting; did you mean SHOEBOX_STREAM_POLL_MS?\n',
      );
    } finally {
      await serve.stop();
      await removeTestData(serveDir);
    }
  });

  it('takes the test suite’s and the benchmarks’ own variables, and other programs’, without a word', async () => {
    const result = await runCli(['config'], {
      env: {
        SHOEBOX_DATA_DIR: dataDir,
        SHOEBOX_TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        SHOEBOX_BENCH_SSE_CLIENTS: '10',
        SHOEBOX_RECORD_GOLDEN: '1',
        SHOEBOXES: 'many',
        AWS_REGION: 'eu-west-1',
      },
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  describe('refuses a bad value with exit code 2 and one line per problem', () => {
    it.each<{ env: Record<string, string>; message: string }>([
      { env: { SHOEBOX_PORT: '80000' }, message: 'SHOEBOX_PORT="80000" is wrong: expected a whole number from 0 to 65535' },
      { env: { SHOEBOX_DEMO: 'yes' }, message: 'SHOEBOX_DEMO="yes" is wrong: expected one of on, off' },
      { env: { SHOEBOX_REDIS_URL: 'http://secret@cache' }, message: 'SHOEBOX_REDIS_URL=(hidden) is wrong: expected a Redis URL' },
      { env: { SHOEBOX_STREAM_POLL_MS: '6000' }, message: 'SHOEBOX_STREAM_LEASE_MS must be at least twice SHOEBOX_STREAM_POLL_MS' },
    ])('$message', async ({ env, message }) => {
      const result = await runCli(['config'], { env: { SHOEBOX_DATA_DIR: dataDir, ...env } });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain('secret@');
    });

    it.each(['serve', 'worker'])('%s starts nothing', async (command) => {
      const result = await runCli([command], { env: { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_PORT: '0', SHOEBOX_DATABASE_POOL_SIZE: '0' } });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe('SHOEBOX_DATABASE_POOL_SIZE="0" is wrong: expected a whole number from 1 to 1000\n');
      expect(existsSync(dataDir)).toBe(false);
    });

    it('lists every bad variable at once', async () => {
      const result = await runCli(['config'], { env: { SHOEBOX_PORT: 'x', SHOEBOX_LOG_LEVEL: 'loud', SHOEBOX_GUEST_ALLOW: 'everything' } });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([
        'SHOEBOX_PORT="x" is wrong: expected a whole number from 0 to 65535',
        'SHOEBOX_LOG_LEVEL="loud" is wrong: expected one of fatal, error, warn, info, debug, trace, silent',
        'SHOEBOX_GUEST_ALLOW="everything" is wrong: "everything" is not an action; expected *, none, or a comma list of notes:read, notes:write, photos:read, photos:write, search',
      ]);
    });
  });
});
