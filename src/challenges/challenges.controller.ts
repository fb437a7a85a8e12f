import type { PipeTransform } from '@nestjs/common';
import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '../common/domain-error';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { CreateChallengeDto } from './challenges.dto';
import { challengeIdSchema, createChallengeSchema, submitSolutionSchema } from './challenges.dto';
import { ChallengesService } from './challenges.service';
import { livenessStepSchema } from '../liveness/attempts/attempt.dto';
import { LivenessAttemptsService } from '../liveness/attempts/liveness-attempts.service';
import { requestOrigin } from './request-origin';

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
const livenessBody = new ZodValidationPipe(livenessStepSchema);

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

@ApiTags('challenges')
@Controller('api/v1/challenges')
export class ChallengesController {
  constructor(
    private readonly challenges: ChallengesService,
    private readonly attempts: LivenessAttemptsService,
  ) {}

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

  /** Liveness v2: `{}` starts an attempt; `{attempt, step, frames}` answers a revealed step (docs/protocol.md). */
  @Post(':id/liveness')
  @HttpCode(200)
  @ApiBody({ schema: jsonSchema(livenessStepSchema) })
  liveness(@Param('id', new ChallengeIdPipe()) id: string, @Body() body: unknown) {
    return this.attempts.step(id, livenessBody.transform(body));
  }
}
