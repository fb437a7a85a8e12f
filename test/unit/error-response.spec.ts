import { afterAll, describe, expect, it } from '@jest/globals';
import { BadRequestException, HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { errorCodes } from 'fastify';
import { clientErrorBody } from '../../src/common/client-error';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from '../../src/common/domain-error';
import { toErrorBody } from '../../src/common/error-response';
import { errorBodyFor } from '../../src/common/error.filter';

describe('toErrorBody', () => {
  it('passes a domain error through with its code, status and details', () => {
    const sut = toErrorBody(new DomainError('database-unavailable', 'The database does not answer', 503));

    expect(sut).toEqual({ statusCode: 503, code: 'database-unavailable', message: 'The database does not answer' });
  });

  it.each([
    [new NotFoundError('site-not-found', 'No site'), 404, 'site-not-found'],
    [new ConflictError('duplicate', 'Exists'), 409, 'duplicate'],
    [new UnauthorizedError('missing-admin-token', 'Send it'), 401, 'missing-admin-token'],
    [new ForbiddenError('origin-not-allowed', 'No'), 403, 'origin-not-allowed'],
    [new RateLimitedError(7), 429, 'rate-limited'],
  ])('maps %p to its status and code', (error, statusCode, code) => {
    expect(toErrorBody(error)).toEqual({ statusCode, code, message: error.message });
  });

  it('keeps the details of a validation error', () => {
    const sut = toErrorBody(new ValidationError('name: too long', { issues: [{ path: 'name', message: 'too long' }] }));

    expect(sut).toEqual({
      statusCode: 400,
      code: 'invalid-request',
      message: 'name: too long',
      details: { issues: [{ path: 'name', message: 'too long' }] },
    });
  });

  describe("Fastify's body-parsing errors", () => {
    const adapter = new FastifyAdapter();
    afterAll(() => adapter.close());

    it.each([
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'malformed-json'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'empty-body'],
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'payload-too-large'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'unsupported-media-type'],
      ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'invalid-content-length'],
    ] as const)('maps %s, raw or as Nest hands it to the filter, to %i %s', (name, statusCode, code) => {
      const raw = new errorCodes[name]();
      const wrapped = adapter.mapException(raw);

      expect(wrapped).toBeInstanceOf(HttpException);
      expect(toErrorBody(raw)).toMatchObject({ statusCode, code });
      expect(toErrorBody(wrapped)).toEqual(toErrorBody(raw));
      expect(typeof toErrorBody(raw).message).toBe('string');
    });
  });

  it.each([
    [new BadRequestException('bad'), 400, 'bad-request'],
    [new NotFoundException('Cannot GET /x'), 404, 'not-found'],
    [new HttpException('gone', 405), 405, 'method-not-allowed'],
    [new HttpException('teapot', 418), 418, 'bad-request'],
    [new ServiceUnavailableException('later'), 503, 'internal-error'],
  ])('maps the HTTP exception %p by its status', (error, statusCode, code) => {
    expect(toErrorBody(error)).toEqual({ statusCode, code, message: error.message });
  });

  it('does not read a code off an HTTP exception whose cause is not a Fastify error', () => {
    const sut = toErrorBody(new BadRequestException('bad', { cause: { code: 'toString' } }));

    expect(sut).toEqual({ statusCode: 400, code: 'bad-request', message: 'bad' });
  });

  it('keeps the 4xx status of a plain error that carries one', () => {
    const error = Object.assign(new Error('Object contains forbidden prototype property'), { statusCode: 400 });

    expect(toErrorBody(error)).toEqual({
      statusCode: 400,
      code: 'bad-request',
      message: 'Object contains forbidden prototype property',
    });
  });

  it.each([
    ['a plain error', new Error('SELECT * FROM sites failed: password=hunter2')],
    ['an error claiming a 5xx status', Object.assign(new Error('upstream said no'), { statusCode: 502 })],
    ['an error with an unknown code', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
    ['an error with a prototype property as code', Object.assign(new Error('x'), { code: 'constructor' })],
    ['a string', 'boom'],
    ['null', null],
    ['undefined', undefined],
  ])('turns %s into a bare 500 that leaks nothing', (_label, error) => {
    expect(toErrorBody(error)).toEqual({ statusCode: 500, code: 'internal-error', message: 'Internal error' });
  });
});

describe('errorBodyFor', () => {
  it.each(['/siteverify', '/api/v1/siteverify', '/siteverify?secret=x'])(
    "adds siteverify's fields on %s, for clients that read only those",
    (url) => {
      const sut = errorBodyFor(new RateLimitedError(3), url);

      expect(sut).toEqual({
        success: false,
        'error-codes': ['rate-limited'],
        statusCode: 429,
        code: 'rate-limited',
        message: 'Too many requests; retry in 3 s',
      });
    },
  );

  it('reports other client errors on siteverify as bad-request', () => {
    const sut = errorBodyFor(new ValidationError('secret must be a string'), '/siteverify');

    expect(sut).toMatchObject({ success: false, 'error-codes': ['bad-request'], statusCode: 400 });
  });

  it('reports a server fault on siteverify as internal-error', () => {
    const sut = errorBodyFor(new Error('disk on fire'), '/siteverify');

    expect(sut).toEqual({
      success: false,
      'error-codes': ['internal-error'],
      statusCode: 500,
      code: 'internal-error',
      message: 'Internal error',
    });
  });

  it.each(['/api/v1/admin/sites', '/siteverify/extra', '/healthz'])('leaves the body alone on %s', (url) => {
    expect(errorBodyFor(new RateLimitedError(3), url)).toEqual(toErrorBody(new RateLimitedError(3)));
  });
});

describe('clientErrorBody', () => {
  it.each([
    ['HPE_INVALID_CONTENT_LENGTH', 400, 'malformed-request'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'malformed-request'],
    ['HPE_HEADER_OVERFLOW', 431, 'headers-too-large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request-timeout'],
  ])('answers %s with %i %s', (errorCode, statusCode, code) => {
    const sut = clientErrorBody(Object.assign(new Error('parse error'), { code: errorCode }));

    expect(sut).toMatchObject({ statusCode, code });
    expect(sut.message.length).toBeGreaterThan(0);
  });
});
