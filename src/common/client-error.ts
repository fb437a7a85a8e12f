import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from './error-response';

/** What to answer a connection whose bytes are not a valid HTTP request (Node's `clientError`). */
export function clientErrorBody(error: NodeJS.ErrnoException): ErrorBody {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { statusCode: 408, code: 'request-timeout', message: 'The request took too long to arrive' };
    case 'HPE_HEADER_OVERFLOW':
      return { statusCode: 431, code: 'headers-too-large', message: 'Request headers are too large' };
    default:
      return { statusCode: 400, code: 'malformed-request', message: 'Not a valid HTTP request' };
  }
}

/**
 * Fastify `clientErrorHandler`: like Fastify's default (answer, then close the connection), with the
 * service's error body. Nothing is logged: such bytes come from scanners and broken proxies.
 */
export function writeClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const body = clientErrorBody(error);
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}
