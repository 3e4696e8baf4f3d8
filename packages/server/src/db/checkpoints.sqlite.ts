import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background connection copies new WAL frames into the database file. */
const CHECKPOINT_EVERY_MS = 250;
/** Ticks with nothing to copy after which the worker ends (5 s): an idle server holds no thread for it. */
const IDLE_TICKS = 20;

/**
 * Runs in a worker thread with a connection of its own. A PASSIVE checkpoint neither waits for
 * nor blocks readers and writers; with nothing new in the WAL it reads the WAL index and writes
 * nothing. Written as CommonJS source: the CLI runs from a bundle, where a worker file of its own
 * would not exist.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let idle = 0;
const end = () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
};
const timer = setInterval(() => {
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    idle = log === checkpointed ? idle + 1 : 0;
  } catch {
    // Busy or briefly unreadable: the next tick tries again.
  }
  if (idle >= workerData.idleTicks) end();
}, workerData.everyMs);
parentPort.once('message', end);
`;

export interface BackgroundCheckpoints {
  /** Says a write is under way: starts the worker unless it runs. */
  writing(): void;
  /** Stops checkpointing and closes the worker's connection. */
  stop(): Promise<void>;
}

/**
 * Checkpoints the WAL of `file` from a worker thread while writes come in. SQLite's automatic
 * checkpoint runs inside the commit that crosses its threshold: on the embedded engine that is
 * the event loop serving requests, and the checkpoint (copying megabytes, two fsyncs) stalled
 * every request for as long. The connection serving requests keeps a higher threshold as a
 * backstop: it checkpoints by itself only if this thread falls behind, has died, or is not
 * running because only single statements (no transactions) wrote since it ended.
 */
export function checkpointInBackground(file: string): BackgroundCheckpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  let running: { worker: Worker; exited: Promise<void> } | undefined;
  return {
    writing() {
      if (running) return;
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { file, driver, everyMs: CHECKPOINT_EVERY_MS, idleTicks: IDLE_TICKS },
        // It holds a connection and a timer: a small heap is plenty.
        resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
      });
      // A dead checkpointer only leaves the work to the backstop until the next write starts another.
      worker.on('error', () => {});
      worker.unref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      running = { worker, exited };
      void exited.then(() => {
        if (running?.worker === worker) running = undefined;
      });
    },
    async stop() {
      const current = running;
      if (!current) return;
      // Unreferenced, the worker would not keep the process alive while the caller waits for it to end.
      current.worker.ref();
      current.worker.postMessage('stop');
      await current.exited;
    },
  };
}
