import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { SiteverifyRequest, SiteverifyResponse } from './siteverify.dto';
import { SITEVERIFY_ERROR_CODES, siteverifySchema } from './siteverify.dto';
import { SiteverifyService } from './siteverify.service';

import { SITEVERIFY_PATHS } from './siteverify.paths';

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
    action: { type: 'string', nullable: true },
    cdata: { type: 'string', nullable: true },
    'error-codes': { type: 'array', items: { type: 'string', enum: [...SITEVERIFY_ERROR_CODES] } },
  },
};

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

@ApiTags('siteverify')
@Controller()
export class SiteverifyController {
  constructor(private readonly siteverify: SiteverifyService) {}

  @Post(SITEVERIFY_PATHS)
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ schema: requestSchema })
  @ApiOkResponse({ schema: responseSchema })
  @ApiTooManyRequestsResponse({
    description:
      "over the site's budget (SITEVERIFY_SITE_RATE_LIMIT_PER_MINUTE), or this address's budget for calls " +
      'without a valid secret (SITEVERIFY_IP_RATE_LIMIT_PER_MINUTE)',
    schema: rateLimitedSchema,
    headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } },
  })
  verify(
    @Body(new ZodValidationPipe(siteverifySchema)) body: SiteverifyRequest,
    @Req() request: FastifyRequest,
  ): Promise<SiteverifyResponse> {
    return this.siteverify.verify(body, request.clientIp);
  }
}
