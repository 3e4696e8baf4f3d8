import type { Server } from 'node:http';

/** The URL of a server listening on `host` (the port it got, for port 0), with an IPv6 host in brackets. */
export function listeningUrl(host: string, server: Server): string {
  const address = server.address();
  return urlOf(host, typeof address === 'object' && address ? address.port : 0);
}

/** The http URL of `host` and `port`, with an IPv6 host in brackets. */
export const urlOf = (host: string, port: number): string => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
