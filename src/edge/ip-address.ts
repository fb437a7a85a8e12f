import { isIP } from 'node:net';

/** A network in CIDR notation: `address/prefix`, with the address family it belongs to. */
export interface CidrRange {
  address: string;
  prefix: number;
  family: 4 | 6;
}

/** The names Express's proxy-addr understands, so operators can reuse what they know. */
export const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/**
 * An address as a proxy or a socket may write it, reduced to a plain IP: brackets, a port and an IPv6 zone
 * are dropped, IPv4-mapped IPv6 becomes IPv4, IPv6 is lower-cased. Anything else (a host name, `unknown`,
 * garbage) is null.
 */
export function normaliseAddress(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let text = raw.trim();
  if (text.length === 0 || text.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1];
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  text = text.replace(/%[\w.-]+$/, '');
  const family = isIP(text);
  if (family === 4) return text;
  if (family !== 6) return null;
  const groups = ipv6Groups(text);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  return mapped ? ipv4Of(groups[6], groups[7]) : text.toLowerCase();
}

/**
 * What counts as one client for rate limits and connection caps: an IPv4 address, or an IPv6 /64 (one
 * subscriber's network: a host can pick any address in it at will).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const prefix = ipv6Groups(address)
    .slice(0, 4)
    .map((group) => group.toString(16));
  return `${prefix.join(':')}::/64`;
}

/**
 * `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128); null when it is neither. Only plain
 * addresses: no brackets, ports or zones, and no IPv4-mapped IPv6 (mapped addresses are matched as IPv4).
 */
export function parseCidr(text: string): CidrRange | null {
  const [address, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return null;
  const normalised = normaliseAddress(address);
  if (normalised === null || isIP(normalised) !== family) return null;
  const widest = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { address: normalised, prefix: widest, family };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= widest ? { address: normalised, prefix, family } : null;
}

/** The eight 16-bit groups of a valid IPv6 address (possibly ending in dotted IPv4). */
function ipv6Groups(address: string): number[] {
  let head = address;
  const tail: number[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    head = address.slice(0, -dotted[0].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right ? right.split(':') : [];
  const zeros = right === undefined ? 0 : 8 - tail.length - leftGroups.length - rightGroups.length;
  return [...leftGroups, ...Array<string>(zeros).fill('0'), ...rightGroups]
    .map((group) => parseInt(group, 16))
    .concat(tail);
}

function ipv4Of(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}
