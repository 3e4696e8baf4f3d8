import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../testing/engines.js';
import { removeTestData, runCli, tempDir } from '../testing/harness.js';
import { createDeployment } from '../testing/shoebox.js';

describe.each(engines)('shoebox webhooks ($name)', (engine) => {
  const dataDir = tempDir();
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { SHOEBOX_DATA_DIR: dataDir, SHOEBOX_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', ...(await engine.prepare(dataDir)) };
    await createDeployment(env);
  });
  afterAll(() => removeTestData(dataDir, engine));

  const cli = (...args: string[]) => runCli(['webhooks', ...args], { env });
  const cliJson = async (...args: string[]) => {
    const result = await cli(...args, '--json');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };
  const listed = async () => (await cliJson('list')).webhooks;

  it('adds, pauses, resumes, rotates, shows the log and removes', async () => {
    const added = await cliJson('add', '--url', 'http://127.0.0.1:9/hook', '--event', 'note.created', '--event', 'photo.ready');
    expect(added).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['note.created', 'photo.ready'], paused: false });
    expect(added.secret).toMatch(/^whsec_/);
    expect(await listed()).toEqual([expect.objectContaining({ id: added.id })]);
    expect(await cliJson('pause', added.id)).toMatchObject({ paused: true });
    expect(await cliJson('resume', added.id)).toMatchObject({ paused: false });
    const rotated = await cliJson('rotate-secret', added.id, '--grace-seconds', '60');
    expect(rotated.secret).not.toBe(added.secret);
    expect(rotated.previousSecretExpiresAt).toEqual(expect.any(String));
    expect(await cliJson('deliveries', added.id, '--status', 'dead')).toEqual({ deliveries: [] });
    expect(await cliJson('redrive', added.id)).toEqual({ redriven: 0 });
    const removed = await cli('remove', added.id);
    expect(removed.code).toBe(0);
    expect(await listed()).toEqual([]);
  });

  it.each([
    { name: 'an unknown event', args: ['add', '--url', 'http://127.0.0.1:9/', '--event', 'note.read'], error: /webhook\.events/ },
    {
      name: 'a private target',
      args: ['add', '--url', 'http://10.0.0.1/', '--event', 'note.created'],
      error: /SHOEBOX_WEBHOOK_ALLOWED_HOSTS/,
    },
    { name: 'an unknown webhook', args: ['pause', 'whk_missing'], error: /No webhook whk_missing/ },
    { name: 'a bad log status', args: ['deliveries', 'whk_missing', '--status', 'lost'], error: /query\.status/ },
  ])('refuses $name and changes nothing', async ({ args, error }) => {
    const before = await listed();
    const result = await cli(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(error);
    expect(await listed()).toEqual(before);
  });
});
