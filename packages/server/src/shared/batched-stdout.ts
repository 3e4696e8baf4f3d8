import { pino } from 'pino';

/** How long a log line may wait for others before it is written anyway. */
const LOG_FLUSH_MS = 100;
/** Lines gathered before they are written without waiting. */
const BATCH_BYTES = 4096;

/**
 * Standard output, written asynchronously and in batches: lines wait until BATCH_BYTES have
 * gathered or LOG_FLUSH_MS has passed since the first of them, so a busy server makes one system
 * call per few dozen request lines rather than one per line or two. The flush timer runs only
 * while lines wait: sonic-boom's own periodic flush writes an empty string ten times a second,
 * idle or not. pino flushes on exit; a process killed outright (SIGKILL) loses at most its last
 * LOG_FLUSH_MS of lines.
 */
export function batchedStdout(): ReturnType<typeof pino.destination> {
  const out = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  const write = out.write.bind(out);
  let waiting = false;
  let closed = false;
  out.once('close', () => {
    closed = true;
  });
  const flush = () => {
    waiting = false;
    // No callback: with one, sonic-boom waits for a drain (which never comes while lines keep
    // arriving, so its listeners pile up) and then fsyncs standard output.
    if (!closed) out.flush();
  };
  out.write = (line: string) => {
    if (!waiting) {
      waiting = true;
      setTimeout(flush, LOG_FLUSH_MS).unref();
    }
    return write(line);
  };
  return out;
}
