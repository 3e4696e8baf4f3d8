import cluster from 'node:cluster';

/** A message between the processes of one `serve` (runtime/http-processes.ts); `shoebox` names what it is about. */
export interface ClusterMessage {
  readonly shoebox: string;
  readonly [field: string]: unknown;
}

/**
 * The other side of this process in a `serve` that forked HTTP processes: from an HTTP process,
 * the primary; from the primary, every HTTP process. Messages travel over node:cluster's IPC
 * channel, in order per pair of processes.
 */
export interface ClusterLink {
  /** Sends to the other side: the primary, or every live HTTP process. */
  send(message: ClusterMessage): void;
  /** Hears messages about `topic`; `reply` answers the process that sent it. Returns how to stop. */
  on(topic: string, hear: (message: ClusterMessage, reply: (answer: ClusterMessage) => void) => void): () => void;
}

const isMessage = (value: unknown): value is ClusterMessage =>
  typeof value === 'object' && value !== null && typeof (value as { shoebox?: unknown }).shoebox === 'string';

/** The link of an HTTP process to its primary. */
export function linkToPrimary(): ClusterLink {
  return {
    send(message) {
      // A primary that is gone takes this process down with it; nothing to tell then.
      if (process.connected) process.send?.(message);
    },
    on(topic, hear) {
      const listener = (message: unknown) => {
        if (isMessage(message) && message.shoebox === topic) hear(message, (answer) => this.send(answer));
      };
      process.on('message', listener);
      return () => process.off('message', listener);
    },
  };
}

/** The primary's link to every HTTP process it forked. */
export function linkToWorkers(): ClusterLink {
  return {
    send(message) {
      for (const worker of Object.values(cluster.workers ?? {})) if (worker?.isConnected()) worker.send(message);
    },
    on(topic, hear) {
      const listener = (worker: import('node:cluster').Worker, message: unknown) => {
        if (!isMessage(message) || message.shoebox !== topic) return;
        hear(message, (answer) => {
          if (worker.isConnected()) worker.send(answer);
        });
      };
      cluster.on('message', listener);
      return () => cluster.off('message', listener);
    },
  };
}
