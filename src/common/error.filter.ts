import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SITEVERIFY_PATHS } from '../tokens/siteverify.paths';
import { RateLimitedError } from './domain-error';
import { ErrorBody, toErrorBody } from './error-response';

/** Routes whose clients expect siteverify's shape even when the request itself is broken. */
const SITEVERIFY_PATH_SET = new Set(SITEVERIFY_PATHS);

export function errorBodyFor(error: unknown, url: string): ErrorBody {
  const body = toErrorBody(error);
  const path = url.split('?')[0];
  if (!SITEVERIFY_PATH_SET.has(path)) return body;
  return { success: false, 'error-codes': [siteverifyCodeFor(body.statusCode)], ...body };
}

function siteverifyCodeFor(status: number): string {
  if (status >= 500) return 'internal-error';
  return status === 429 ? 'rate-limited' : 'bad-request';
}

/** The one exception filter: every error leaves as `{statusCode, code, message}`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = errorBodyFor(error, request.url);
    if (body.statusCode >= 500) {
      // Method and route only: bodies, headers and query strings may carry secrets or tokens.
      this.logger.error(`${request.method} ${request.routeOptions?.url ?? 'unmatched'} failed: ${describe(error)}`);
    }
    void reply.status(body.statusCode).header('Cache-Control', 'no-store');
    if (error instanceof RateLimitedError) void reply.header('Retry-After', error.retryAfterSeconds);
    // The body was not read (Content-Length over the limit): close rather than read it to throw it away.
    if (body.statusCode === 413) void reply.header('Connection', 'close');
    void reply.send(body);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}
