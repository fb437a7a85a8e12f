import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../common/domain-error';
import { errorBodyFor } from '../common/error.filter';
import type { AppConfig } from '../config/app-config';
import type { HttpConfig } from '../config/edge-config';
import type { MetricsService } from '../ops/metrics.service';
import { guardConnections } from './connection-guard';
import { addressKey } from './ip-address';
import type { TrustPredicate } from './proxy-trust';
import { resolveClientAddress, trustPredicate } from './proxy-trust';
import type { RateDecision, RateLimiter } from './rate-limiter';
import { routePolicy } from './route-policy';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client's address as TRUST_PROXY resolves it (src/edge/proxy-trust.ts). Use this, never
     * `request.ip`, which is the socket's peer: the proxy, behind one.
     */
    clientIp: string;
  }
}

/**
 * Options for Fastify's (and Node's) HTTP server: every timeout that closes a slow or idle socket. Node
 * checks the header and request timeouts on a timer; it runs often enough to keep them within a quarter.
 */
export function edgeServerOptions(http: HttpConfig) {
  const { headersMs, requestMs, idleMs, keepAliveMs } = http.timeouts;
  return {
    bodyLimit: http.bodyLimits.defaultBytes,
    // The client address is resolved once per request below; Fastify's `request.ip` stays the peer.
    trustProxy: false,
    requestTimeout: requestMs,
    connectionTimeout: idleMs,
    keepAliveTimeout: keepAliveMs,
    http: {
      headersTimeout: headersMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.round(Math.min(headersMs, requestMs) / 4))),
    },
  };
}

export interface EdgeDependencies {
  config: AppConfig;
  limiter: RateLimiter;
  metrics: MetricsService;
  /** MAX_CONNECTIONS as resolved against the open-file limit (resolveMaxConnections). */
  maxConnections: number;
}

/**
 * Everything the service applies before a request's body is read: connection caps, the client address,
 * per-route body limits (Fastify refuses a Content-Length over the limit before reading the body) and
 * per-client request budgets. Call before the routes are registered (Nest registers them in `app.init()`).
 */
export function installEdge(
  fastify: FastifyInstance,
  { config, limiter, metrics, maxConnections }: EdgeDependencies,
): void {
  const isTrustedProxy = trustPredicate(config.http.trustProxy);
  guardConnections(
    fastify.server,
    { max: maxConnections, perIp: config.http.connections.perIp },
    isTrustedProxy,
    metrics,
  );

  fastify.addHook('onRoute', (route) => {
    const body = routePolicy(route.url).body;
    if (body) route.bodyLimit = config.http.bodyLimits[body];
  });
  fastify.decorateRequest('clientIp', '');
  fastify.addHook('onRequest', async (request, reply) => {
    request.clientIp = clientAddressOf(request, isTrustedProxy);
    const decision = admit(request, limiter);
    if (decision === null) return;
    if (decision.allowed) {
      void reply.header('RateLimit-Limit', decision.limit).header('RateLimit-Remaining', decision.remaining);
      return;
    }
    metrics.recordRateLimited(budgetOf(request));
    return refuse(request, reply, decision.retryAfterSeconds);
  });
  // siteverify counts its calls without a valid secret per address; broken requests count too.
  fastify.addHook('onResponse', async (request, reply) => {
    const broken = reply.statusCode >= 400 && reply.statusCode < 500 && reply.statusCode !== 429;
    if (broken && routePolicy(request.routeOptions.url).rate === 'siteverify') {
      limiter.hit('siteverify-ip', addressKey(request.clientIp));
    }
  });
}

function clientAddressOf(request: FastifyRequest, isTrustedProxy: TrustPredicate): string {
  return resolveClientAddress(request.raw.socket?.remoteAddress, request.headers['x-forwarded-for'], isTrustedProxy);
}

/**
 * Counts the request against its route group's budget. siteverify's per-address budget only counts calls
 * without a valid secret (src/tokens/siteverify.service.ts), so here it is only looked at, not counted.
 */
function admit(request: FastifyRequest, limiter: RateLimiter): RateDecision | null {
  const rate = routePolicy(request.routeOptions.url).rate;
  if (rate === null) return null;
  const key = addressKey(request.clientIp);
  if (rate !== 'siteverify') return limiter.hit(rate, key);
  const decision = limiter.peek('siteverify-ip', key);
  return decision?.allowed ? null : decision;
}

function budgetOf(request: FastifyRequest): string {
  const rate = routePolicy(request.routeOptions.url).rate;
  return rate === 'siteverify' ? 'siteverify-ip' : String(rate);
}

/**
 * 429 before the body is read. The connection is closed after the answer, so an unread body is not read
 * just to be thrown away; CORS's header is set here because this runs before the CORS hook.
 */
function refuse(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  const body = errorBodyFor(new RateLimitedError(retryAfterSeconds), request.url);
  return reply
    .status(429)
    .header('Retry-After', retryAfterSeconds)
    .header('Cache-Control', 'no-store')
    .header('Access-Control-Allow-Origin', '*')
    .header('Connection', 'close')
    .send(body);
}
