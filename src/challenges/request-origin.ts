import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from './challenges.service';

/**
 * The hostname of the page behind a request: browsers set Origin on every POST and pages cannot forge
 * it; Referer is the fallback for clients that strip Origin. Anything unparsable counts as absent.
 */
export function requestOrigin(request: FastifyRequest): RequestOrigin {
  return { hostname: hostnameOf(request.headers.origin) ?? hostnameOf(request.headers.referer), ip: request.clientIp };
}

function hostnameOf(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string' || header === 'null' || header.length > 2048) return null;
  try {
    const url = new URL(header);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}
