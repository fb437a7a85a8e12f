import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminGuard } from '../common/admin.guard';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { LedgerService } from './ledger.service';

export const grantSchema = z.strictObject({
  peer: z
    .string('peer must be a string')
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/, 'peer must be a peer id'),
  amount: z.number('amount must be a number').int('amount must be a whole number').min(1).max(1e12),
});
export type GrantDto = z.infer<typeof grantSchema>;

/** Operators grant initial stake; every grant is a public ledger entry like any other. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/v1/admin/ledger')
export class LedgerAdminController {
  constructor(private readonly ledger: LedgerService) {}

  @Post('grants')
  @ApiBody({ schema: z.toJSONSchema(grantSchema, { io: 'input' }) as Record<string, unknown> })
  async grant(@Body(new ZodValidationPipe(grantSchema)) dto: GrantDto) {
    const { entries, head } = await this.ledger.append([{ kind: 'grant', peer: dto.peer, amount: dto.amount }]);
    return { entry: entries[0], head };
  }
}
