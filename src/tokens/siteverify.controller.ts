import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RateLimitGuard, RateLimitGroup } from '../common/rate-limit.guard';
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

@ApiTags('siteverify')
@RateLimitGroup('siteverify')
@UseGuards(RateLimitGuard)
@Controller()
export class SiteverifyController {
  constructor(private readonly siteverify: SiteverifyService) {}

  @Post(SITEVERIFY_PATHS)
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ schema: requestSchema })
  @ApiOkResponse({ schema: responseSchema })
  verify(@Body(new ZodValidationPipe(siteverifySchema)) request: SiteverifyRequest): Promise<SiteverifyResponse> {
    return this.siteverify.verify(request);
  }
}
