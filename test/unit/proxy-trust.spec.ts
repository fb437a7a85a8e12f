import { describe, expect, it } from '@jest/globals';
import { addressKey, normaliseAddress, parseCidr } from '../../src/edge/ip-address';
import type { ProxyTrust } from '../../src/edge/proxy-trust';
import { parseTrustProxy, resolveClientAddress, trustPredicate } from '../../src/edge/proxy-trust';

function trustOf(value: string): ProxyTrust {
  const parsed = parseTrustProxy(value);
  if (!('trust' in parsed)) throw new Error(`TRUST_PROXY=${value} refused: ${parsed.problems.join('; ')}`);
  return parsed.trust;
}

/** The client address the service sees for a socket peer and an X-Forwarded-For header under TRUST_PROXY. */
function clientFor(trustProxy: string, peer: string, forwardedFor?: string | string[]): string {
  return resolveClientAddress(peer, forwardedFor, trustPredicate(trustOf(trustProxy)));
}

describe('normaliseAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['203.0.113.7:8080', '203.0.113.7'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['::1', '::1'],
  ])('reads %j as %j', (raw, expected) => {
    expect(normaliseAddress(raw)).toBe(expected);
  });

  it.each([
    '',
    ' ',
    'unknown',
    '_hidden',
    'example.com',
    '203.0.113',
    '203.0.113.256',
    '01.2.3.4',
    '[::1',
    '::1]:80',
    'a'.repeat(100),
    '1.2.3.4, 5.6.7.8',
  ])('refuses %j', (raw) => {
    expect(normaliseAddress(raw)).toBeNull();
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses and groups IPv6 by /64, however the address is spelled', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('unknown')).toBe('unknown');
  });
});

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 4 }],
    ['127.0.0.1', { address: '127.0.0.1', prefix: 32, family: 4 }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 6 }],
    ['::1', { address: '::1', prefix: 128, family: 6 }],
  ])('reads %s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0.0/', '[::1]', '1.2.3.4:80', 'host'])(
    'refuses %s',
    (text) => {
      expect(parseCidr(text)).toBeNull();
    },
  );
});

describe('parseTrustProxy', () => {
  it.each(['', 'false', 'FALSE', 'no', 'off', '0'])('reads %j as no proxy', (value) => {
    expect(parseTrustProxy(value)).toEqual({ trust: { kind: 'none' } });
  });

  it('reads a hop count', () => {
    expect(parseTrustProxy('1')).toEqual({ trust: { kind: 'hops', hops: 1 } });
    expect(parseTrustProxy(' 2 ')).toEqual({ trust: { kind: 'hops', hops: 2 } });
  });

  it('reads addresses, ranges and the named ranges', () => {
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1,fd00::/8')).toEqual({
      trust: {
        kind: 'addresses',
        ranges: [
          { address: '10.0.0.0', prefix: 8, family: 4 },
          { address: '127.0.0.1', prefix: 32, family: 4 },
          { address: 'fd00::', prefix: 8, family: 6 },
        ],
      },
    });
    expect(parseTrustProxy('loopback')).toEqual({
      trust: {
        kind: 'addresses',
        ranges: [
          { address: '127.0.0.0', prefix: 8, family: 4 },
          { address: '::1', prefix: 128, family: 6 },
        ],
      },
    });
  });

  it.each(['true', 'TRUE', 'yes', 'on'])('refuses %s and says what to set instead', (value) => {
    const parsed = parseTrustProxy(value);

    expect('problems' in parsed && parsed.problems).toEqual([
      expect.stringMatching(/any client could choose its own address.*TRUST_PROXY=1.*TRUST_PROXY=10\.0\.0\.0\/8/),
    ]);
  });

  it('names every bad entry of a list, and refuses absurd hop counts', () => {
    expect(parseTrustProxy('10.0.0.0/8, proxy.internal, 10.0.0.0/40')).toEqual({
      problems: [
        'proxy.internal is not an IP address, a CIDR range (10.0.0.0/8) or loopback/linklocal/uniquelocal',
        '10.0.0.0/40 is not an IP address, a CIDR range (10.0.0.0/8) or loopback/linklocal/uniquelocal',
      ],
    });
    expect(parseTrustProxy('17')).toEqual({ problems: ['17 proxies is more than 16; list their addresses instead'] });
  });
});

describe('resolveClientAddress', () => {
  it('ignores X-Forwarded-For entirely when no proxy is trusted', () => {
    expect(clientFor('false', '198.51.100.1', '203.0.113.7')).toBe('198.51.100.1');
  });

  it('takes the right-most entry behind one trusted hop, whatever the client put on the left', () => {
    expect(clientFor('1', '10.0.0.2', '203.0.113.7')).toBe('203.0.113.7');
    expect(clientFor('1', '10.0.0.2', '1.1.1.1, 203.0.113.7')).toBe('203.0.113.7');
    expect(clientFor('1', '10.0.0.2', '1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts hops from the socket leftwards', () => {
    // client -> proxy A (10.0.0.1) -> proxy B (10.0.0.2) -> service
    expect(clientFor('2', '10.0.0.2', '203.0.113.7, 10.0.0.1')).toBe('203.0.113.7');
    expect(clientFor('2', '10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.1')).toBe('203.0.113.7');
    expect(clientFor('3', '10.0.0.3', '203.0.113.7, 10.0.0.1, 10.0.0.2')).toBe('203.0.113.7');
  });

  it('takes the left-most address when there are fewer entries than trusted hops', () => {
    expect(clientFor('2', '10.0.0.2', '203.0.113.7')).toBe('203.0.113.7');
    expect(clientFor('2', '10.0.0.2')).toBe('10.0.0.2');
  });

  it('walks past listed proxies only, and stops at the first address not in the list', () => {
    const trusted = '10.0.0.0/8,127.0.0.1';

    expect(clientFor(trusted, '127.0.0.1', '6.6.6.6, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
    expect(clientFor(trusted, '127.0.0.1', '10.9.9.9, 203.0.113.7')).toBe('203.0.113.7');
    // A peer that is not a listed proxy is the client, whatever it claims.
    expect(clientFor(trusted, '198.51.100.1', '203.0.113.7')).toBe('198.51.100.1');
    // A client inside a trusted range, behind trusted proxies only, is the left-most address.
    expect(clientFor(trusted, '127.0.0.1', '10.1.1.1, 10.2.2.2')).toBe('10.1.1.1');
  });

  it('understands IPv6 peers, entries and ranges, and IPv4-mapped sockets', () => {
    expect(clientFor('fd00::/8', 'fd00::2', '2001:db8::7')).toBe('2001:db8::7');
    expect(clientFor('fd00::/8', 'fd00::2', '6.6.6.6, [2001:db8::7]:5555, fd00::1')).toBe('2001:db8::7');
    expect(clientFor('10.0.0.0/8', '::ffff:10.0.0.2', '203.0.113.7')).toBe('203.0.113.7');
    expect(clientFor('1', '::1', '2001:DB8::7')).toBe('2001:db8::7');
  });

  it('reads ports and brackets some proxies add, and several header lines as one list', () => {
    expect(clientFor('1', '10.0.0.2', '203.0.113.7:51234')).toBe('203.0.113.7');
    expect(clientFor('2', '10.0.0.2', ['6.6.6.6, 203.0.113.7', '10.0.0.1'])).toBe('203.0.113.7');
  });

  it.each([
    ['not-an-ip'],
    ['203.0.113.7, garbage'],
    ['203.0.113.7, '],
    [''],
    ['unknown'],
    ['203.0.113.7 10.0.0.1'],
    ['%00'],
  ])('counts the proxy as the client when the entry it passed on is not an address: %j', (header) => {
    expect(clientFor('1', '10.0.0.2', header)).toBe('10.0.0.2');
  });

  it('stops at a malformed entry deeper in the chain, at the last trusted proxy', () => {
    expect(clientFor('3', '10.0.0.3', '203.0.113.7, bogus, 10.0.0.2')).toBe('10.0.0.2');
  });

  it('has no address for a socket that has none (already closed)', () => {
    expect(resolveClientAddress(undefined, '203.0.113.7', trustPredicate(trustOf('1')))).toBe('unknown');
  });
});
