import * as net from 'node:net';
import type { RawAnswer } from './raw-http';
import { parseResponses } from './raw-http';

/**
 * How a slow socket misbehaves: `silent` connects and sends nothing; `headers` starts a request and sends
 * one more header byte every drip; `body` sends complete headers announcing a body, then one body byte
 * every drip.
 */
export type SlowKind = 'silent' | 'headers' | 'body';

export interface SlowSocket {
  kind: SlowKind;
  localAddress: string;
  socket: net.Socket;
  /** The server closed it (before `destroyAll`). */
  closedByServer: boolean;
  /** It was closed without a byte of answer: refused on arrival. */
  refused: boolean;
  answers: RawAnswer[];
}

const OPENING: Record<SlowKind, string> = {
  silent: '',
  headers: 'POST /siteverify HTTP/1.1\r\nHost: peerproof.test\r\nX-Slow: ',
  body:
    'POST /siteverify HTTP/1.1\r\nHost: peerproof.test\r\nContent-Type: application/json\r\n' +
    'Content-Length: 10000\r\n\r\n',
};
const DRIP: Record<SlowKind, string | null> = { silent: null, headers: 'a', body: ' ' };

/** Loopback addresses other than 127.0.0.1, so that many "clients" can be played from one machine. */
export function loopbackAddress(index: number): string {
  return `127.${10 + Math.floor(index / 65_000)}.${Math.floor((index % 65_000) / 250)}.${(index % 250) + 1}`;
}

/**
 * A bounded set of slow sockets against one loopback server, each sending a byte every `dripMs`. Every
 * socket is tracked, so the owner can check how each ended and destroy what is left.
 */
export class SlowSockets {
  readonly sockets: SlowSocket[] = [];
  private readonly timer: NodeJS.Timeout;
  private destroyed = false;

  constructor(
    private readonly port: number,
    dripMs: number,
  ) {
    this.timer = setInterval(() => this.drip(), dripMs);
  }

  /** Opens `count` sockets, `batch` at a time, each connected (or refused) before the next batch starts. */
  async open(count: number, addressOf: (index: number) => string, kindOf: (index: number) => SlowKind, batch = 200) {
    for (let start = 0; start < count; start += batch) {
      const opening: Promise<void>[] = [];
      for (let index = start; index < Math.min(count, start + batch); index++) {
        opening.push(this.openOne(addressOf(index), kindOf(index)));
      }
      await Promise.all(opening);
    }
  }

  get openCount(): number {
    return this.sockets.filter((entry) => !entry.socket.destroyed).length;
  }

  allClosed(): boolean {
    return this.sockets.every((entry) => entry.socket.destroyed);
  }

  destroyAll(): void {
    this.destroyed = true;
    clearInterval(this.timer);
    for (const entry of this.sockets) entry.socket.destroy();
  }

  private openOne(localAddress: string, kind: SlowKind): Promise<void> {
    return new Promise((resolve) => {
      const socket = net.connect({ port: this.port, host: '127.0.0.1', localAddress });
      const entry: SlowSocket = { kind, localAddress, socket, closedByServer: false, refused: false, answers: [] };
      this.sockets.push(entry);
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined);
      // Written now, so that no drip can come first: it goes out once the socket connects.
      if (OPENING[kind]) socket.write(OPENING[kind]);
      socket.once('connect', () => resolve());
      socket.once('close', () => {
        entry.closedByServer = !this.destroyed;
        entry.refused = chunks.length === 0;
        entry.answers = parseResponses(Buffer.concat(chunks)).answers;
        resolve();
      });
    });
  }

  private drip(): void {
    for (const entry of this.sockets) {
      const byte = DRIP[entry.kind];
      if (byte !== null && !entry.socket.destroyed && entry.socket.writable) entry.socket.write(byte);
    }
  }
}
