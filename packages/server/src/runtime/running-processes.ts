import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A process that runs a deployment on the embedded engine, as its registration names it. */
export interface RunningProcess {
  readonly command: string;
  readonly pid: number;
}

/**
 * On the embedded engine, each process that runs a deployment (`serve`, `worker`) keeps a file in
 * the data folder's `processes` folder while it runs, named `<command>.<pid>.<random>`, so that
 * `shoebox destroy` refuses to remove files a live process is using (it would keep answering, and
 * acknowledge writes that are then lost). Registering answers the function that removes the file.
 */
export function registerRunningProcess(dir: string, command: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${command}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
  return () => rmSync(file, { force: true });
}

/**
 * The registered processes still alive. A process killed with SIGKILL leaves its file behind, so a
 * file counts only while its pid answers signal 0 (EPERM: alive, another user's). Pids are this
 * machine's; the caller's own pid is never a server, though a file left in another container may
 * name it.
 */
export function runningProcesses(dir: string): RunningProcess[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const [command, pid] = name.split('.');
    const running = { command: command ?? '', pid: Number(pid) };
    return Number.isInteger(running.pid) && running.pid > 0 && running.pid !== process.pid && alive(running.pid) ? [running] : [];
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
