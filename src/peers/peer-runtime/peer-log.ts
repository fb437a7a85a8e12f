/** What `peerproof peer` prints: one line per event, for people or (with --json) as JSON lines. */
export type PeerLogLevel = 'info' | 'warn' | 'error';

export type PeerLogFields = Record<string, string | number | boolean | null | string[]>;

export interface PeerLog {
  info(event: string, message: string, fields?: PeerLogFields): void;
  warn(event: string, message: string, fields?: PeerLogFields): void;
  error(event: string, message: string, fields?: PeerLogFields): void;
}

export function createPeerLog(options: { json: boolean; write?: (line: string) => void; now?: () => number }): PeerLog {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const now = options.now ?? Date.now;
  const emit =
    (level: PeerLogLevel) =>
    (event: string, message: string, fields: PeerLogFields = {}) => {
      const time = new Date(now()).toISOString();
      write(
        options.json
          ? JSON.stringify({ time, level, event, message, ...fields })
          : `${time} ${level.padEnd(5)} ${message}`,
      );
    };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A log that keeps its lines, for tests. */
export function memoryPeerLog(): PeerLog & { lines: string[] } {
  const lines: string[] = [];
  return { ...createPeerLog({ json: true, write: (line) => lines.push(line) }), lines };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
