import { describe, expect, it } from '@jest/globals';
import { hostnameAllowed, normalizeHostnamePattern } from '../../src/sites/hostname-pattern';

describe('normalizeHostnamePattern', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Shop.Example.COM', 'shop.example.com'],
    ['  example.com  ', 'example.com'],
    ['example.com.', 'example.com'],
    ['*.Example.com.', '*.example.com'],
    ['localhost', 'localhost'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['2001:DB8::1', '2001:db8::1'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeHostnamePattern(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    '.',
    'https://example.com',
    'example.com:8080',
    'example.com/path',
    'user@example.com',
    '[::1]',
    '*',
    '*.',
    '*.com',
    '**.example.com',
    '*.*.example.com',
    'shop.*.example.com',
    'ex*ample.com',
    '-example.com',
    'example-.com',
    'exa mple.com',
    'ex_ample.com',
    'bücher.example',
    'example..com',
    '.example.com',
    'example.com..',
    `${'a'.repeat(64)}.example`,
    `${'a.'.repeat(127)}ab`,
  ])('rejects %j', (input) => {
    expect(() => normalizeHostnamePattern(input)).toThrow(/hostname|wildcard/);
  });

  it('names the bad value in the error, shortened', () => {
    expect(() => normalizeHostnamePattern(`http://${'x'.repeat(300)}`)).toThrow(/^"http:\/\/x{54}\.\.\." is not/);
  });
});

describe('hostnameAllowed', () => {
  const patterns = ['example.com', '*.shop.example', 'localhost', '127.0.0.1', '::1'];

  it.each([
    ['example.com', true],
    ['EXAMPLE.com', true],
    ['example.com.', true],
    ['www.example.com', false],
    ['example.co', false],
    ['xexample.com', false],
    ['example.com.evil.net', false],
  ])('exact pattern: %j is allowed: %s', (host, expected) => {
    expect(hostnameAllowed(host, patterns)).toBe(expected);
  });

  it.each([
    ['a.shop.example', true],
    ['A.Shop.Example.', true],
    ['deep.sub.shop.example', true],
    ['shop.example', false],
    ['.shop.example', false],
    ['evilshop.example', false],
    ['a.evilshop.example', false],
    ['shop.example.evil.net', false],
    ['a.shop.example.evil.net', false],
  ])('wildcard pattern: %j is allowed: %s', (host, expected) => {
    expect(hostnameAllowed(host, patterns)).toBe(expected);
  });

  it.each([
    ['localhost', true],
    ['127.0.0.1', true],
    ['::1', true],
    ['127.0.0.2', false],
    ['1127.0.0.1', false],
    ['evil.localhost', false],
  ])('localhost and IPs match exactly: %j is allowed: %s', (host, expected) => {
    expect(hostnameAllowed(host, patterns)).toBe(expected);
  });

  it('allows nothing with no patterns', () => {
    expect(hostnameAllowed('example.com', [])).toBe(false);
  });

  it('does not let a wildcard match the suffix of a longer label', () => {
    expect(hostnameAllowed('evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostnameAllowed('a.evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostnameAllowed('a.example.com', ['*.example.com'])).toBe(true);
  });
});
