import { isIP } from 'node:net';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** What SHOEBOX_WEBHOOK_ALLOWED_HOSTS names: host names, addresses and CIDRs webhooks may reach though they are refused ranges. */
export interface AllowedTargets {
  readonly hosts: readonly string[];
  readonly networks: readonly string[];
}

/** Parses the comma-separated list; throws with the entry that is wrong. */
export function parseAllowedTargets(raw: string): AllowedTargets {
  const hosts: string[] = [];
  const networks: string[] = [];
  for (const entry of raw
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean)) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    if (family !== 0 && extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))) {
      networks.push(prefix === undefined ? `${address}/${bits}` : entry);
    } else if (prefix === undefined && HOST_NAME.test(entry)) {
      hosts.push(entry);
    } else {
      throw new Error(`"${entry}" is not a host name, an IP address or a CIDR`);
    }
  }
  return { hosts, networks };
}
