import type { ExecutionContext } from '@nestjs/common';
import { Controller, Get, HttpCode, Post, Req, createParamDecorator } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { SiteverifyBodyKind } from './siteverify-request';
import { siteverifyFields } from './siteverify-request';
import type { SiteverifyRequest, SiteverifyResponse } from './siteverify.dto';
import { SITEVERIFY_ERROR_CODES, siteverifySchema } from './siteverify.dto';
import { SITEVERIFY_GET_PATHS, SITEVERIFY_PATHS } from './siteverify.paths';
import { SiteverifyService } from './siteverify.service';

const requestSchema = z.toJSONSchema(siteverifySchema, { io: 'input' }) as Record<string, unknown>;
const responseSchema = {
  type: 'object',
  required: ['success', 'error-codes'],
  properties: {
    success: { type: 'boolean' },
    challenge_ts: { type: 'string', format: 'date-time', nullable: true },
    hostname: { type: 'string', nullable: true },
    score: { type: 'number', nullable: true },
    level: { type: 'string', enum: ['compute', 'liveness'], nullable: true },
    action: { type: 'string', nullable: true, description: '"" when the page set none' },
    cdata: { type: 'string', nullable: true, description: '"" when the page set none' },
    'error-codes': { type: 'array', items: { type: 'string', enum: [...SITEVERIFY_ERROR_CODES] } },
    consensus: {
      type: 'object',
      properties: {
        source: { type: 'string', enum: ['committee', 'local'] },
        agreeingStake: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    liveness: {
      type: 'object',
      properties: {
        score: { type: 'number' },
        threshold: { type: 'number' },
        reasons: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};
const BAD_REQUEST = {
  description:
    'A malformed request: `{statusCode, code, message, success: false, "error-codes": ["bad-request"]}` with ' +
    'code `invalid-request` (a known field of the wrong type), `malformed-json`, `empty-body`; ' +
    '413 `payload-too-large`, 415 `unsupported-media-type`, 429 `rate-limited` in the same shape',
};

/** siteverify's fields from wherever the backend put them: query string, JSON, form or multipart body. */
const SiteverifyFields = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return siteverifyFields({ body: request.body, bodyKind: bodyKindOf(request), query: request.query });
});

function bodyKindOf(request: FastifyRequest): SiteverifyBodyKind {
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === undefined) return 'none';
  const type = (request.headers['content-type'] ?? '').toLowerCase();
  return type.startsWith('application/json') ? 'json' : 'form';
}

const rateLimitedSchema = {
  type: 'object',
  required: ['success', 'error-codes', 'statusCode', 'code', 'message'],
  properties: {
    success: { type: 'boolean', enum: [false] },
    'error-codes': { type: 'array', items: { type: 'string', enum: ['rate-limited'] } },
    statusCode: { type: 'integer', enum: [429] },
    code: { type: 'string', enum: ['rate-limited'] },
    message: { type: 'string' },
  },
};

const TOO_MANY_REQUESTS = {
  description:
    "over the site's budget (SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE), or this address's budget for calls " +
    'without a valid secret (SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE)',
  schema: rateLimitedSchema,
  headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
};

@ApiTags('siteverify')
@Controller()
export class SiteverifyController {
  constructor(private readonly siteverify: SiteverifyService) {}

  @Post(SITEVERIFY_PATHS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem a response token (also on the query string, as reCAPTCHA takes it)' })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json', 'multipart/form-data')
  @ApiBody({ schema: requestSchema })
  @ApiOkResponse({ description: 'every verdict, success or not', schema: responseSchema })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiTooManyRequestsResponse(TOO_MANY_REQUESTS)
  verify(
    @SiteverifyFields(new ZodValidationPipe(siteverifySchema)) fields: SiteverifyRequest,
    @Req() request: FastifyRequest,
  ): Promise<SiteverifyResponse> {
    return this.siteverify.verify(fields, request.clientIp);
  }

  @Get(SITEVERIFY_GET_PATHS)
  @ApiOperation({ summary: 'Redeem a response token with the fields in the query string (reCAPTCHA accepts GET)' })
  // Listed bottom-up: decorators apply in reverse, and the document should read secret, response, …
  @ApiQuery({
    name: 'consensus_wait',
    required: false,
    type: Number,
    description: 'seconds (0–15) to wait for the peer committee reviewing the pass (docs/ledger.md)',
  })
  @ApiQuery({ name: 'idempotency_key', required: false, type: String })
  @ApiQuery({ name: 'sitekey', required: false, type: String })
  @ApiQuery({ name: 'remoteip', required: false, type: String, description: 'advisory; never fails the call' })
  @ApiQuery({ name: 'response', required: true, type: String })
  @ApiQuery({ name: 'secret', required: true, type: String })
  @ApiOkResponse({ description: 'every verdict, success or not', schema: responseSchema })
  @ApiBadRequestResponse(BAD_REQUEST)
  @ApiTooManyRequestsResponse(TOO_MANY_REQUESTS)
  verifyByQuery(
    @SiteverifyFields(new ZodValidationPipe(siteverifySchema)) fields: SiteverifyRequest,
    @Req() request: FastifyRequest,
  ): Promise<SiteverifyResponse> {
    return this.siteverify.verify(fields, request.clientIp);
  }
}
