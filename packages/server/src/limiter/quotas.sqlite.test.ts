import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { openSqliteQuotas } from './quotas.sqlite.js';

describe('SQLite quota counters', () => {
  const dir = tempDir();
  afterAll(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stop pruning expired counters once closed: nothing runs on the closed file afterwards', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const counters = await openSqliteQuotas(join(dir, 'quotas.sqlite'));
    expect(await counters.increment('key_a:month', new Date(Date.now() + 60_000))).toBe(1);
    await counters.close();
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      // Pruning runs every five minutes; a process may outlive its closed counters by much more.
      await vi.advanceTimersByTimeAsync(30 * 60_000);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });
});
