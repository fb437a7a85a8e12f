import type { CanActivate, ExecutionContext, RawBodyRequest } from '@nestjs/common';
import { Injectable, Logger, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../adapters/clock.adapter';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { isEd25519PublicKey } from '../adapters/ed25519';
import { UnauthorizedError } from '../common/domain-error';
import { MAX_CLOCK_SKEW_MS, PEER_HEADERS, isNonce, peerIdFor, signingBytes } from '../protocol/peer-protocol';
import { PeerNoncesService } from './peer-nonces.service';
import { PeersService } from './peers.service';

const REGISTRATION_KEY = 'peerproof:peer-registration';

/** Marks the route where a key not yet known may sign: registration proves possession of the key it registers. */
export const AcceptsNewPeer = () => SetMetadata(REGISTRATION_KEY, true);

export interface AuthenticatedPeer {
  id: string;
  publicKey: string;
  /** False only on the registration route, for a key seen for the first time. */
  known: boolean;
}

type PeerRequest = RawBodyRequest<FastifyRequest> & { peer?: AuthenticatedPeer };

/** The peer the PeerAuthGuard authenticated for this request. */
export const CurrentPeer = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthenticatedPeer => context.switchToHttp().getRequest<PeerRequest>().peer!,
);

interface SignatureHeaders {
  peerId: string;
  timestamp: number;
  nonce: string;
  signature: string;
}

const TIMESTAMP_TEXT = /^\d{1,16}$/;

/**
 * Authenticates a peer request (docs/peers.md, "Signed requests"): Ed25519 signature of the peer's key over
 * method, target, timestamp, nonce and body hash; timestamp within ±60 s of the service clock; nonce never
 * seen before for this peer (in the database, so replays to another instance fail too); a registered peer,
 * except on the registration route. Cheap checks first: the database is reached only by a valid signature.
 */
@Injectable()
export class PeerAuthGuard implements CanActivate {
  private readonly logger = new Logger('peers');

  constructor(
    private readonly peers: PeersService,
    private readonly nonces: PeerNoncesService,
    private readonly crypto: CryptoAdapter,
    private readonly clock: Clock,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PeerRequest>();
    try {
      request.peer = await this.authenticate(request, this.acceptsNewPeer(context));
      return true;
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        // The route pattern and the key only: never the URL, headers or body.
        const peer = request.headers[PEER_HEADERS.peer];
        const who = typeof peer === 'string' && isEd25519PublicKey(peer) ? this.crypto.ed25519KeyId(peer) : 'unknown';
        this.logger.warn(`rejected ${request.method} ${request.routeOptions?.url} from peer ${who}: ${error.code}`);
      }
      throw error;
    }
  }

  private async authenticate(request: PeerRequest, acceptsNewPeer: boolean): Promise<AuthenticatedPeer> {
    const headers = readHeaders(request);
    if (Math.abs(this.clock.nowMs() - headers.timestamp) > MAX_CLOCK_SKEW_MS) {
      throw new UnauthorizedError(
        'stale-request',
        'X-PeerProof-Timestamp is more than 60 s away from the service clock',
      );
    }
    const message = signingBytes({
      method: request.method,
      pathWithQuery: request.url,
      timestamp: headers.timestamp,
      nonce: headers.nonce,
      bodySha256: this.crypto.sha256Hex(request.rawBody ?? ''),
    });
    // The peer id is the public key (peer-protocol.ts), so the signature is checked before any lookup.
    if (!this.crypto.verifyEd25519(headers.peerId, message, headers.signature)) {
      throw new UnauthorizedError('bad-signature', 'The request signature does not verify with the peer key');
    }
    const known = (await this.peers.find(headers.peerId)) !== null;
    if (!known && !acceptsNewPeer) {
      throw new UnauthorizedError('unknown-peer', 'No peer with this key is registered: POST /api/v1/peers/register');
    }
    // A nonce is remembered until its timestamp can no longer pass the check above (with a margin for
    // instances whose clocks differ a little).
    if (!(await this.nonces.claim(headers.peerId, headers.nonce, headers.timestamp + 2 * MAX_CLOCK_SKEW_MS))) {
      throw new UnauthorizedError('replayed-request', 'This nonce was already used: every request needs a new one');
    }
    if (known) await this.peers.touch(headers.peerId);
    return { id: headers.peerId, publicKey: headers.peerId, known };
  }

  private acceptsNewPeer(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(REGISTRATION_KEY, [context.getHandler(), context.getClass()]);
  }
}

function readHeaders(request: FastifyRequest): SignatureHeaders {
  const value = (name: string) => {
    const header = request.headers[name];
    return typeof header === 'string' ? header.trim() : undefined;
  };
  const [peer, timestamp, nonce, signature] = [
    value(PEER_HEADERS.peer),
    value(PEER_HEADERS.timestamp),
    value(PEER_HEADERS.nonce),
    value(PEER_HEADERS.signature),
  ];
  if (!peer || !timestamp || !nonce || !signature) {
    throw new UnauthorizedError(
      'unsigned-request',
      'Peer requests carry X-PeerProof-Peer, X-PeerProof-Timestamp, X-PeerProof-Nonce and X-PeerProof-Signature',
    );
  }
  if (!isEd25519PublicKey(peer) || !TIMESTAMP_TEXT.test(timestamp) || !isNonce(nonce)) {
    throw new UnauthorizedError(
      'bad-signature',
      'Malformed signature headers: a base64url Ed25519 key, a timestamp in ms and a nonce of 16+ random bytes',
    );
  }
  return { peerId: peerIdFor(peer), timestamp: Number(timestamp), nonce, signature };
}
