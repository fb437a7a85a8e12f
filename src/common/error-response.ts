import { HttpException } from '@nestjs/common';
import { DomainError } from './domain-error';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  [extra: string]: unknown;
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload-too-large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    message: 'Send application/json or application/x-www-form-urlencoded',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed-json', message: 'Body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'empty-body', message: 'Body is empty but says it is JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid-content-length',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'malformed-url', message: 'The URL is not validly percent-encoded' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri-too-long', message: 'A path segment is too long' },
};

const HTTP_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
};

/**
 * Maps anything thrown while handling a request to `{statusCode, code, message}`; the one place that
 * decides what clients see of an error. Unknown errors become a bare 500 so nothing internal leaks.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof DomainError) {
    return {
      statusCode: error.statusCode,
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  }
  const fastifyCode = fastifyCodeOf(error);
  if (fastifyCode !== undefined) {
    const known = FASTIFY_CODES[fastifyCode];
    return { statusCode: known.status, code: known.code, message: known.message };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return {
      statusCode: status,
      code: HTTP_CODES[status] ?? (status < 500 ? 'bad-request' : 'internal-error'),
      message: error.message,
    };
  }
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { statusCode: status, code: HTTP_CODES[status] ?? 'bad-request', message: (error as Error).message };
  }
  return { statusCode: 500, code: 'internal-error', message: 'Internal error' };
}

/**
 * The `FST_ERR_*` code of a Fastify error. Nest's exception layer hands Fastify's 4xx errors (body
 * parsing, limits) to the filter wrapped in an HttpException, with the original as its `cause`.
 */
function fastifyCodeOf(error: unknown): string | undefined {
  const source = error instanceof HttpException ? error.cause : error;
  const code = (source as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(FASTIFY_CODES, code) ? code : undefined;
}
