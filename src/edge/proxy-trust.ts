import { BlockList } from 'node:net';
import type { CidrRange } from './ip-address';
import { NAMED_RANGES, normaliseAddress, parseCidr } from './ip-address';

/**
 * Which proxies in front of the service may tell it the client's address (`TRUST_PROXY`): none, the
 * nearest `hops` of them, or those whose addresses lie in `ranges`.
 */
export type ProxyTrust = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'addresses'; ranges: CidrRange[] };

/** Whether the address `hop` steps back from the service (0 = the socket's peer) is a trusted proxy. */
export type TrustPredicate = (address: string, hop: number) => boolean;

export const MAX_PROXY_HOPS = 16;

const TRUE_WORDS = new Set(['true', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/** Parses `TRUST_PROXY`; a value it refuses comes back as `{problems}`, one line per bad part. */
export function parseTrustProxy(value: string | undefined): { trust: ProxyTrust } | { problems: string[] } {
  const text = (value ?? '').trim();
  const word = text.toLowerCase();
  if (text === '' || FALSE_WORDS.has(word)) return { trust: { kind: 'none' } };
  if (TRUE_WORDS.has(word)) {
    return {
      problems: [
        `${text} is refused: it would trust every X-Forwarded-For entry, so any client could choose its own ` +
          'address. Set the number of proxies in front of the service (TRUST_PROXY=1 for one reverse proxy) ' +
          'or their addresses (TRUST_PROXY=10.0.0.0/8,127.0.0.1)',
      ],
    };
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= MAX_PROXY_HOPS
      ? { trust: { kind: 'hops', hops } }
      : { problems: [`${text} proxies is more than ${MAX_PROXY_HOPS}; list their addresses instead`] };
  }
  const ranges: CidrRange[] = [];
  const problems: string[] = [];
  for (const part of text.split(',').map((entry) => entry.trim())) {
    if (part === '') continue;
    const named = NAMED_RANGES[part.toLowerCase()];
    const parsed = named ? named.map(parseCidr) : [parseCidr(part)];
    if (parsed.some((range) => range === null)) {
      problems.push(`${part} is not an IP address, a CIDR range (10.0.0.0/8) or loopback/linklocal/uniquelocal`);
    } else {
      ranges.push(...(parsed as CidrRange[]));
    }
  }
  if (problems.length > 0) return { problems };
  return ranges.length > 0 ? { trust: { kind: 'addresses', ranges } } : { trust: { kind: 'none' } };
}

/** The trust test for a parsed `TRUST_PROXY`; addresses reach it already normalised. */
export function trustPredicate(trust: ProxyTrust): TrustPredicate {
  switch (trust.kind) {
    case 'none':
      return () => false;
    case 'hops':
      return (_address, hop) => hop < trust.hops;
    case 'addresses': {
      const list = new BlockList();
      for (const range of trust.ranges) {
        list.addSubnet(range.address, range.prefix, range.family === 4 ? 'ipv4' : 'ipv6');
      }
      return (address) => list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
    }
  }
}

/**
 * The client's address: walking from the socket's peer leftwards through `X-Forwarded-For`, the first
 * address that is not a trusted proxy. Entries left of it were written by the client and are never read,
 * so a client cannot choose its own address. When every address is trusted, the left-most one is the
 * client. An entry that is not an IP address ends the walk: the trusted proxy that passed it on counts as
 * the client, rather than a string the client may have picked.
 */
export function resolveClientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  isTrusted: TrustPredicate,
): string {
  let client = normaliseAddress(socketAddress);
  if (client === null) return 'unknown';
  if (!isTrusted(client, 0) || forwardedFor === undefined) return client;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let index = entries.length - 1, hop = 1; index >= 0; index--, hop++) {
    const next = normaliseAddress(entries[index]);
    if (next === null) return client;
    client = next;
    if (!isTrusted(client, hop)) return client;
  }
  return client;
}
