import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionLimits } from '../config/edge-config';
import { ConfigError } from '../config/app-config';
import type { MetricsService } from '../ops/metrics.service';
import { addressKey, normaliseAddress } from './ip-address';
import type { TrustPredicate } from './proxy-trust';

/** Derived MAX_CONNECTIONS never exceeds this: past it, memory (a few kB a socket) matters more than files. */
export const AUTO_MAX_CONNECTIONS_CAP = 50_000;
/** Used when the open-file limit cannot be read (not Linux). */
export const FALLBACK_MAX_CONNECTIONS = 4_096;

/**
 * Open files kept back from connections for the database, model files, logs and outgoing sockets: a
 * quarter of the limit, at most 2,048.
 */
export function reservedFiles(fileLimit: number): number {
  return Math.min(2_048, Math.ceil(fileLimit / 4));
}

/**
 * MAX_CONNECTIONS as configured, or derived from the open-file limit. A configured value the limit cannot
 * hold stops the start: past it, accept() fails with EMFILE and so does every file the service opens.
 */
export function resolveMaxConnections(configured: number | null, fileLimit: number | null): number {
  if (fileLimit === null) return configured ?? FALLBACK_MAX_CONNECTIONS;
  const room = fileLimit - reservedFiles(fileLimit);
  if (configured === null) return Math.max(16, Math.min(room, AUTO_MAX_CONNECTIONS_CAP));
  if (configured > room) {
    throw new ConfigError([
      `MAX_CONNECTIONS: ${configured} does not fit the open-file limit (${fileLimit}, less ` +
        `${reservedFiles(fileLimit)} kept for the database and files): raise \`ulimit -n\` or set at most ${room}`,
    ]);
  }
  return configured;
}

/**
 * Caps open connections before any byte of a request is read: in all (Node's `maxConnections`, which
 * closes the surplus on arrival), and per client address (an IPv6 /64). The socket's peer is the client
 * here, since nothing has been parsed yet; a trusted proxy carries many clients and is not capped.
 */
export function guardConnections(
  server: Server,
  limits: { max: number; perIp: ConnectionLimits['perIp'] },
  isTrustedProxy: TrustPredicate,
  metrics: MetricsService,
): void {
  server.maxConnections = limits.max;
  server.on('drop', () => metrics.recordRefusedConnection('global'));
  const openPerClient = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    metrics.connectionOpened();
    socket.once('close', () => metrics.connectionClosed());
    const address = normaliseAddress(socket.remoteAddress);
    if (limits.perIp === 0 || address === null || isTrustedProxy(address, 0)) return;
    const key = addressKey(address);
    const open = openPerClient.get(key) ?? 0;
    if (open >= limits.perIp) {
      metrics.recordRefusedConnection('per-ip');
      socket.destroy();
      return;
    }
    openPerClient.set(key, open + 1);
    socket.once('close', () => {
      const left = (openPerClient.get(key) ?? 1) - 1;
      if (left > 0) openPerClient.set(key, left);
      else openPerClient.delete(key);
    });
  });
}
