import { Agent } from 'node:http';
import { httpStatus, type LoadResult, percentile } from './lib.js';

export interface PacedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface PacedLoadOptions {
  /** Servers sharing the load: request i goes to urls[i % urls.length]. */
  readonly urls: readonly string[];
  /** Requests per second, spread evenly. */
  readonly rate: number;
  readonly seconds: number;
  /**
   * Kept-alive sockets (at most 50 per server): pass the agent of a warm-up run so the measured run
   * starts on open connections; opening fifty at once delays the first answers by a few hundred ms.
   */
  readonly agent: Agent;
  readonly request: (i: number) => PacedRequest;
}

/** Sockets for pacedLoad: requests due while all are busy wait for one, their wait counted. */
export const pacedAgent = () => new Agent({ keepAlive: true, maxSockets: 50 });

/**
 * Requests at an even pace, open loop: request i is due at start + i / rate whether or not the
 * earlier ones have been answered, and its latency counts from when it was due, so a pause in the
 * server shows in every request due during it. autocannon's fixed rate instead sends each
 * connection's share of a second back to back when the second starts: a burst of a whole
 * second's requests, which measured its own queue (and its latency correction then counted each
 * slow answer hundreds of times over).
 */
export async function pacedLoad(options: PacedLoadOptions): Promise<LoadResult> {
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const sent: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const paced = options.request(i);
    sent.push(
      httpStatus(options.agent, new URL(paced.path, options.urls[i % options.urls.length]), paced).then(
        (status) => {
          if (status >= 200 && status < 300) latencies.push(performance.now() - due);
          else non2xx++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(sent);
  const elapsedS = (performance.now() - start) / 1000;
  const at = (p: number) => Math.round(percentile(latencies, p));
  return { requestsPerSecond: latencies.length / elapsedS, p50Ms: at(50), p99Ms: at(99), non2xx, errors };
}
