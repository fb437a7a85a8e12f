import { isIP } from 'node:net';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
export const MAX_HOSTNAMES_PER_SITE = 50;

/** Lower-cases and checks one allowed-hostname pattern: `example.com`, `*.example.com`, `localhost` or an IP. */
export function normalizeHostnamePattern(input: string): string {
  const value = input.trim().toLowerCase().replace(/\.$/, '');
  if (value.length === 0 || value.length > 253) throw new Error(`"${truncate(input)}" is not a hostname`);
  if (isIP(value) !== 0) return value;
  const labels = value.startsWith('*.') ? value.slice(2).split('.') : value.split('.');
  if (!labels.every((label) => LABEL.test(label))) {
    throw new Error(`"${truncate(input)}" is not a hostname (use example.com or *.example.com, no scheme or port)`);
  }
  if (value.startsWith('*.') && labels.length < 2) throw new Error(`"${truncate(input)}" is too broad a wildcard`);
  return value;
}

/** Whether `hostname` (no port) is allowed by one of the patterns. A wildcard matches subdomains, not the apex. */
export function hostnameAllowed(hostname: string, patterns: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return patterns.some((pattern) =>
    pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern,
  );
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 61)}...` : value;
}
