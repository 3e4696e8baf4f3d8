import { networkInterfaces } from 'node:os';
import type { Config } from '../config/config.js';

/**
 * Listening on every interface is how a phone on the same network reaches a server on a laptop;
 * but without SHOEBOX_PUBLIC_URL, signed photo URLs and the access tokens' issuer name 127.0.0.1,
 * which on the phone is the phone. Answers what to tell the operator, or undefined when all is well.
 */
export function publicUrlWarning(config: Config, port: number): string | undefined {
  if (config.publicUrlSet || (config.host !== '0.0.0.0' && config.host !== '::')) return undefined;
  const address = lanAddress() ?? '<this machine’s address on the network>';
  return (
    `Shoebox listens on every interface (SHOEBOX_HOST=${config.host}) but SHOEBOX_PUBLIC_URL is not set, so signed photo URLs ` +
    `name ${config.publicUrl.replace(/:\d+$/, `:${port}`)}, which other devices cannot reach. ` +
    `Set SHOEBOX_PUBLIC_URL to the URL devices use, e.g. SHOEBOX_PUBLIC_URL=http://${address}:${port}\n`
  );
}

/** The first IPv4 address of this machine that is not loopback, as a guess at what the LAN knows it by. */
function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((entry) => entry.family === 'IPv4' && !entry.internal);
    if (found) return found.address;
  }
  return undefined;
}
