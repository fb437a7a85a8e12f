import * as fs from 'node:fs';
import * as net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface RawExchange {
  /** Every complete response the server wrote before it closed the connection. */
  answers: RawAnswer[];
  /** Bytes that did not form a complete response. */
  rest: string;
}

/**
 * Writes `bytes` on a fresh loopback connection and keeps it open (no half-close, so the server cannot take
 * the end of input for the end of a body) until the server closes it. Rejects when nothing closes it within
 * `hangGuardMs`, so that a missing answer fails the test instead of hanging it.
 */
export function exchangeRaw(
  port: number,
  bytes: string,
  options: { localAddress?: string; hangGuardMs?: number } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    const chunks: Buffer[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within ${options.hangGuardMs ?? 10_000} ms`));
    }, options.hangGuardMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(parseResponses(Buffer.concat(chunks)));
    });
    socket.write(bytes);
  });
}

/** Splits what a server wrote into responses (Content-Length framed, as every answer of this service is). */
export function parseResponses(data: Buffer): RawExchange {
  const answers: RawAnswer[] = [];
  let rest = data;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < bodyStart + length) break;
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      text: rest.subarray(bodyStart, bodyStart + length).toString('utf8'),
    });
    rest = rest.subarray(bodyStart + length);
  }
  return { answers, rest: rest.toString('latin1') };
}

/** This process's limit on open files (`ulimit -n`), or null where /proc cannot tell. */
export function openFileLimit(): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
