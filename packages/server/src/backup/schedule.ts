import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Logger } from '../shared/observability.js';
import { backupToTarget } from './backup.js';
import { openBackupTarget } from './open-target.js';

export interface BackupSchedule {
  /** Stops scheduling and waits for a backup under way to finish. */
  stop(): Promise<void>;
}

/**
 * Writes a backup to SHOEBOX_BACKUP_URL every interval (the first one interval after start), then
 * removes the place's oldest backups beyond the number to keep. A failure is logged and counted,
 * and the next backup is tried at the next interval; the server keeps serving either way.
 */
export function scheduleBackups(config: Config, registry: Registry, logger: Logger): BackupSchedule {
  const { place, intervalSeconds, keep } = config.backup;
  if (place === undefined) return { stop: async () => {} };
  const log = logger.child({ component: 'backup' });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  const lastSuccess = gauge('shoebox_backup_last_success_timestamp_seconds', 'When the last scheduled backup finished, in Unix seconds');
  const lastSize = gauge('shoebox_backup_last_size_bytes', 'Size of the last scheduled backup');
  const lastDuration = gauge('shoebox_backup_last_duration_seconds', 'How long the last scheduled backup took');
  const failures = new Counter({ name: 'shoebox_backup_failures_total', help: 'Scheduled backups that failed', registers: [registry] });

  const backUp = async () => {
    const started = Date.now();
    try {
      const target = await openBackupTarget(place);
      try {
        const written = await backupToTarget(config, target);
        const kept = await target.list();
        for (const name of kept.slice(0, Math.max(0, kept.length - keep))) await target.remove(name);
        const durationMs = Date.now() - started;
        lastSuccess.set(Date.now() / 1000);
        lastSize.set(written.bytes);
        lastDuration.set(durationMs / 1000);
        log.info({ backup: target.describe(written.name), bytes: written.bytes, durationMs }, 'backup written');
      } finally {
        target.close();
      }
    } catch (error) {
      failures.inc();
      log.error({ err: error, durationMs: Date.now() - started }, 'scheduled backup failed: the next one is tried at the next interval');
    }
  };

  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = backUp().finally(next);
    }, intervalSeconds * 1000);
    // A pending backup must not keep a stopping process alive.
    timer.unref();
  };
  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
