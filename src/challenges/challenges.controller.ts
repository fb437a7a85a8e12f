import type { PipeTransform } from '@nestjs/common';
import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '../common/domain-error';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RateLimitGroup, RateLimitGuard } from '../common/rate-limit.guard';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { CreateChallengeDto } from './challenges.dto';
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

/**
 * A challenge id that is no UUID names no challenge: 404 `challenge-not-found`, as for an unknown one (the
 * anchors answer a malformed token as they answer an unknown one), not 400.
 */
class ChallengeIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    const parsed = challengeIdSchema.safeParse(value);
    if (!parsed.success) throw new NotFoundError('challenge-not-found', 'No such challenge');
    return parsed.data;
  }
}

const solutionBody = new ZodValidationPipe(submitSolutionSchema);

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
  submit(@Param('id', new ChallengeIdPipe()) id: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    // The body is validated after the id (Nest runs parameter pipes concurrently): an id that names no
    // challenge is 404 whatever the body holds.
    return this.challenges.submit(id, solutionBody.transform(body), requestOrigin(request));
  }
}
