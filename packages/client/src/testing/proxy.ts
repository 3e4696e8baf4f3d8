import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface SwitchableProxy {
  /** The proxy's address: Shoebox's, as a device reaches it. */
  readonly url: string;
  /** The network goes away: open connections are cut and new ones refused. */
  stop(): Promise<void>;
  /** The network is back, at the same address. */
  start(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of a real Shoebox that a test switches off and on, as a phone
 * loses and finds its connection: while stopped, requests fail as fetch fails offline, and the
 * realtime stream's connection is cut.
 */
export async function switchableProxy(target: string): Promise<SwitchableProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listening = 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((device) => {
        const upstream = connect(Number(port), hostname);
        const cut = () => {
          device.destroy();
          upstream.destroy();
          sockets.delete(device);
          sockets.delete(upstream);
        };
        sockets.add(device).add(upstream);
        device.on('error', cut).on('close', cut);
        upstream.on('error', cut).on('close', cut);
        device.pipe(upstream).pipe(device);
      });
      next.once('error', reject);
      next.listen(listening, '127.0.0.1', () => {
        listening = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await start();
  return { url: `http://127.0.0.1:${listening}`, start, stop };
}
