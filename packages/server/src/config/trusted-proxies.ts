import { isIP } from 'node:net';

/** proxy-addr's names for whole ranges, which Fastify's `trustProxy` accepts beside addresses. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const INSTEAD = 'list the addresses or CIDRs of your proxies instead, e.g. loopback (a proxy on this machine) or 10.0.0.0/8';

/**
 * SHOEBOX_TRUST_PROXY: `false`, or the proxies whose `X-Forwarded-For` entry Shoebox believes. The
 * client address is then the rightmost entry that no listed proxy wrote, so a client cannot choose
 * it by sending a header of its own; it keys the per-address login and guest limits.
 *
 * Refused: `true` (every hop trusted: the leftmost, client-written entry would become the address)
 * and a hop count (it cannot tell a proxy from a client that connects directly with a made-up
 * header; Fastify 5 ignores one for that reason, which would silently give every client the
 * proxy's address). A prefix of 0 would trust every address, so it is refused too.
 */
export function parseTrustedProxies(raw: string): false | string[] {
  if (raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') {
    throw new Error(`trusting every hop lets any client choose its address with X-Forwarded-For; ${INSTEAD}`);
  }
  if (/^\d+$/.test(raw)) {
    throw new Error(`a hop count cannot tell a proxy from a client that connects directly with its own X-Forwarded-For; ${INSTEAD}`);
  }
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('expected false or a comma-separated list of proxy addresses or CIDRs');
  for (const entry of entries) {
    if (!RANGE_NAMES.includes(entry) && !isAddressOrCidr(entry)) {
      throw new Error(`"${entry}" is not an IP address, a CIDR such as 10.0.0.0/8, or one of ${RANGE_NAMES.join(', ')}`);
    }
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) >= 1 && Number(prefix) <= (version === 4 ? 32 : 128);
}
