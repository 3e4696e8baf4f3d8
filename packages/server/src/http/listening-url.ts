import type { Server } from 'node:http';

/** The URL of a server listening on `host` (the port it got, for port 0), with an IPv6 host in brackets. */
export function listeningUrl(host: string, server: Server): string {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
