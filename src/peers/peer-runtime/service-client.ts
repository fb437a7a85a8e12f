/**
 * The peer's HTTP client for the service: every `/api/v1/peers/*` request signed as docs/peers.md says
 * (a fresh nonce each time), the public routes plain. Errors carry the service's `code`.
 */
import { randomBytes } from 'node:crypto';
import type { Balance, LedgerEntry } from '../../protocol/ledger-entry';
import type { Verdict } from '../../protocol/peer-protocol';
import type { SignedTreeHead, TreeHead } from '../../protocol/tree-head';
import { NONCE_BYTES, signedHeaders } from '../../protocol/peer-protocol';
import type { EvidenceDto, PeerDto, PendingJobDto } from '../peers.dto';
import type { HttpResponse } from './http-transport';
import { HttpTransport, HttpTransportError } from './http-transport';
import type { PeerIdentity } from './peer-identity';

const REQUEST_TIMEOUT_MS = 30_000;
/** A long-poll may be held this much longer than it asked for before the client gives up on it. */
const POLL_GRACE_MS = 15_000;

/** The service answered with an error body. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'ServiceError';
  }
}

/** No answer at all: connection refused, reset, timed out. */
export class ServiceUnreachableError extends Error {
  readonly code = 'service-unreachable';
}

export interface ServiceClientOptions {
  /** The clock requests are stamped with; tests pass the service's manual clock. */
  now?: () => number;
}

export interface SignedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export class ServiceClient {
  private readonly now: () => number;
  private readonly transport = new HttpTransport();

  constructor(
    readonly baseUrl: string,
    private readonly identity: PeerIdentity,
    options: ServiceClientOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  register(models?: string[]): Promise<{ peer: PeerDto; created: boolean }> {
    return this.signed('POST', '/api/v1/peers/register', models ? { models } : {});
  }

  async heartbeat(models: string[]): Promise<PeerDto> {
    return (await this.signed<{ peer: PeerDto }>('POST', '/api/v1/peers/me/heartbeat', { models })).peer;
  }

  async jobs(waitSeconds: number, signal?: AbortSignal): Promise<PendingJobDto[]> {
    const timeout = waitSeconds * 1000 + POLL_GRACE_MS;
    const path = `/api/v1/peers/me/jobs?wait=${waitSeconds}`;
    return (await this.signed<{ jobs: PendingJobDto[] }>('GET', path, undefined, { signal, timeout })).jobs;
  }

  evidence(jobId: string): Promise<EvidenceDto> {
    return this.signed('GET', `/api/v1/peers/me/jobs/${encodeURIComponent(jobId)}/evidence`);
  }

  commit(jobId: string, commitment: string): Promise<{ id: string; status: string }> {
    return this.signed('POST', `/api/v1/peers/me/jobs/${encodeURIComponent(jobId)}/commit`, { commitment });
  }

  reveal(jobId: string, verdict: Verdict, salt: string): Promise<{ id: string; status: string }> {
    return this.signed('POST', `/api/v1/peers/me/jobs/${encodeURIComponent(jobId)}/reveal`, { verdict, salt });
  }

  balance(): Promise<Balance> {
    return this.signed('GET', '/api/v1/peers/me/balance');
  }

  /** `stake`, `unbond` or `withdraw` `amount` units; answers the entry appended and the balance after it. */
  changeStake(
    action: 'stake' | 'unbond' | 'withdraw',
    amount: number,
  ): Promise<{ entry: LedgerEntry; balance: Balance }> {
    return this.signed('POST', `/api/v1/peers/me/${action}`, { amount });
  }

  /** Sends this peer's co-signature of a head it checked; answers how many witnesses co-signed it. */
  cosign(cosignature: TreeHead & { signature: string }): Promise<{ size: number; witnesses: number }> {
    return this.signed('POST', '/api/v1/peers/me/cosignatures', cosignature);
  }

  /** The service's current signed head, unchecked: the caller verifies it. */
  ledgerHead(): Promise<SignedTreeHead> {
    return this.send({ url: this.url('/api/v1/ledger/head'), method: 'GET', headers: {} });
  }

  /** A consistency proof between two sizes, hex hashes, unchecked. */
  async consistency(first: number, second: number): Promise<string[]> {
    const url = this.url(`/api/v1/ledger/proof/consistency?first=${first}&second=${second}`);
    return (await this.send<{ proof: string[] }>({ url, method: 'GET', headers: {} })).proof;
  }

  async peers(): Promise<PeerDto[]> {
    return (await this.send<{ peers: PeerDto[] }>({ url: this.url('/api/v1/peers'), method: 'GET', headers: {} }))
      .peers;
  }

  /** The signed manifest as received; the caller verifies it. */
  manifest(): Promise<unknown> {
    return this.send({ url: this.url('/api/v1/models/manifest'), method: 'GET', headers: {} });
  }

  async torrentFile(modelId: string): Promise<Uint8Array> {
    const url = this.url(`/api/v1/models/${encodeURIComponent(modelId)}/torrent`);
    const response = await this.exchange({ url, method: 'GET', headers: {} }, REQUEST_TIMEOUT_MS);
    if (response.status !== 200) throw errorOf(response);
    return new Uint8Array(response.body);
  }

  /** Closes the client's connections; requests in flight fail. */
  close(): void {
    this.transport.close();
  }

  /**
   * A request with its signature headers, not sent. The signed target is the URL's path and query as they
   * go on the wire, so a proxy in front of the service must pass them through unchanged.
   */
  sign(
    method: string,
    path: string,
    body?: unknown,
    stamp: { timestamp?: number; nonce?: string } = {},
  ): SignedRequest {
    const url = this.url(path);
    const target = new URL(url);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = signedHeaders(this.identity.peerId, this.identity.sign, {
      method,
      pathWithQuery: target.pathname + target.search,
      timestamp: stamp.timestamp ?? this.now(),
      nonce: stamp.nonce ?? randomBytes(NONCE_BYTES).toString('base64url'),
      body: text,
    });
    if (text !== undefined) headers['content-type'] = 'application/json';
    return { url, method, headers, body: text };
  }

  /** Sends a request built by `sign` (tests send one twice to see the replay refused). */
  async send<T>(request: SignedRequest, options: { signal?: AbortSignal; timeout?: number } = {}): Promise<T> {
    const response = await this.exchange(request, options.timeout ?? REQUEST_TIMEOUT_MS, options.signal);
    if (response.status < 200 || response.status > 299) throw errorOf(response);
    return JSON.parse(response.body.toString('utf8')) as T;
  }

  private signed<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { signal?: AbortSignal; timeout?: number } = {},
  ): Promise<T> {
    return this.send<T>(this.sign(method, path, body), options);
  }

  private async exchange(request: SignedRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
    try {
      return await this.transport.request(request, timeoutMs, signal);
    } catch (error) {
      if (error instanceof HttpTransportError && !error.aborted) {
        throw new ServiceUnreachableError(`${this.baseUrl}: ${error.message}`);
      }
      throw error;
    }
  }

  private url(path: string): string {
    return this.baseUrl.replace(/\/+$/, '') + path;
  }
}

function errorOf(response: HttpResponse): ServiceError {
  const text = response.body.toString('utf8');
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return new ServiceError(response.status, body.code ?? 'http-error', body.message ?? text.slice(0, 200));
  } catch {
    return new ServiceError(response.status, 'http-error', text.slice(0, 200));
  }
}
