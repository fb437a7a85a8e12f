import * as fs from 'node:fs';

/**
 * The soft limit on open files of this process (`ulimit -n`; Node raises it to the hard limit at start),
 * read from /proc on Linux; null elsewhere or when it cannot be read.
 */
export function openFileLimit(): number | null {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
    if (!match) return null;
    return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    return null;
  }
}
