import { BlockList, isIP } from 'node:net';
import type { AllowedTargets } from '../shared/allowed-targets.js';

/**
 * Address ranges a webhook may not reach unless the operator allows them: loopback, private,
 * link-local (cloud metadata services live there), shared, multicast and reserved ones. Sending to
 * them on behalf of whoever registers a webhook would be a server-side request forgery.
 */
const REFUSED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const REFUSED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;

const refused = new BlockList();
for (const [address, prefix] of REFUSED_V4) refused.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of REFUSED_V6) refused.addSubnet(address, prefix, 'ipv6');

/**
 * Decides which targets a webhook may reach. Checked on the addresses a host name resolves to at
 * the moment of sending (not only at registration: DNS can change), and again for every redirect.
 */
export class TargetPolicy {
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly allowedNetworks = new BlockList();

  constructor(allowed: AllowedTargets) {
    this.allowedHosts = new Set(allowed.hosts);
    for (const network of allowed.networks) {
      const [address = '', prefix] = network.split('/');
      this.allowedNetworks.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether the operator allowed this host name outright, whatever it resolves to. */
  allowsHost(hostname: string): boolean {
    return this.allowedHosts.has(hostname.toLowerCase());
  }

  /** Why `address` may not be reached, or undefined when it may. */
  refusal(address: string): string | undefined {
    // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) reaches the IPv4 one: BlockList checks it against the IPv4 ranges.
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (this.allowedNetworks.check(address, type) || !refused.check(address, type)) return undefined;
    return `${address} is a private, loopback, link-local or reserved address; allow it with SHOEBOX_WEBHOOK_ALLOWED_HOSTS`;
  }
}
