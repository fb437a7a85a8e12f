/**
 * HTTP for the peer on node:http(s) with its own keep-alive agents, rather than the global fetch: stopping
 * the peer must close every connection it opened (fetch's shared pool reconnects after an aborted request
 * and leaves an idle socket behind, which would hold up a service shutting down in the same process).
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
}

/** No answer: refused, reset, timed out. `aborted` when the caller's signal ended it. */
export class HttpTransportError extends Error {
  constructor(
    message: string,
    readonly aborted: boolean,
  ) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class HttpTransport {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  request(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
    const url = new URL(request.url);
    const agent = this.agents[url.protocol as 'http:' | 'https:'];
    if (!agent) return Promise.reject(new HttpTransportError(`unsupported protocol ${url.protocol}`, false));
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<HttpResponse>((resolve, reject) => {
      const fail = (message: string, aborted = false) => {
        outgoing.destroy();
        reject(new HttpTransportError(message, aborted));
      };
      const onAbort = () => fail('aborted', true);
      const outgoing = send(url, { method: request.method, headers: request.headers, agent }, (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) fail('response too large');
          else chunks.push(chunk);
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks) }));
        incoming.on('error', (error) => fail(error.message));
      });
      outgoing.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
      outgoing.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message, signal?.aborted));
      outgoing.on('close', () => signal?.removeEventListener('abort', onAbort));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.end(request.body);
    });
  }

  /** Closes every connection, idle or not. */
  close(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }
}
