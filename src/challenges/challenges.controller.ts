import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RateLimitGroup, RateLimitGuard } from '../common/rate-limit.guard';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { CreateChallengeDto, SubmitSolutionDto } from './challenges.dto';
import { challengeIdSchema, createChallengeSchema, submitSolutionSchema } from './challenges.dto';
import { ChallengesService } from './challenges.service';
import { requestOrigin } from './request-origin';

/** The solution route's full path, for the body limit set in bootstrap. */
export const SOLUTION_ROUTE = '/api/v1/challenges/:id/solution';

/**
 * The largest valid solution: 10 crops of at most 48 KiB (64 KiB as base64), 600 frame summaries and 4096
 * outputs stay under 1 MiB; the rest of the API keeps BODY_LIMIT_BYTES.
 */
export const SOLUTION_BODY_LIMIT_BYTES = 1024 * 1024;

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

@ApiTags('challenges')
@RateLimitGroup('challenges')
@UseGuards(RateLimitGuard)
@Controller('api/v1/challenges')
export class ChallengesController {
  constructor(private readonly challenges: ChallengesService) {}

  @Post()
  @ApiBody({ schema: jsonSchema(createChallengeSchema) })
  issue(@Body(new ZodValidationPipe(createChallengeSchema)) dto: CreateChallengeDto, @Req() request: FastifyRequest) {
    return this.challenges.issue(dto, requestOrigin(request));
  }

  @Post(':id/solution')
  @HttpCode(200)
  @ApiBody({ schema: jsonSchema(submitSolutionSchema) })
  submit(
    @Param('id', new ZodValidationPipe(challengeIdSchema)) id: string,
    @Body(new ZodValidationPipe(submitSolutionSchema)) dto: SubmitSolutionDto,
    @Req() request: FastifyRequest,
  ) {
    return this.challenges.submit(id, dto, requestOrigin(request));
  }
}
