import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { CreateChallengeDto, SubmitSolutionDto } from './challenges.dto';
import { challengeIdSchema, createChallengeSchema, submitSolutionSchema } from './challenges.dto';
import { ChallengesService } from './challenges.service';
import { requestOrigin } from './request-origin';

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

@ApiTags('challenges')
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
