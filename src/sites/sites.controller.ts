import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminGuard } from '../common/admin.guard';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import type { CreateSiteDto, RotateSecretDto, UpdateSiteDto } from './sites.dto';
import { createSiteSchema, rotateSecretSchema, sitekeyParamSchema, updateSiteSchema } from './sites.dto';
import { SitesService } from './sites.service';

const sitekeyPipe = new ZodValidationPipe(sitekeyParamSchema);
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('api/v1/admin/sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Post()
  @ApiBody({ schema: jsonSchema(createSiteSchema) })
  create(@Body(new ZodValidationPipe(createSiteSchema)) dto: CreateSiteDto) {
    return this.sites.create(dto);
  }

  @Get()
  list() {
    return this.sites.list();
  }

  @Get(':sitekey')
  get(@Param('sitekey', sitekeyPipe) sitekey: string) {
    return this.sites.get(sitekey);
  }

  @Patch(':sitekey')
  @ApiBody({ schema: jsonSchema(updateSiteSchema) })
  update(
    @Param('sitekey', sitekeyPipe) sitekey: string,
    @Body(new ZodValidationPipe(updateSiteSchema)) dto: UpdateSiteDto,
  ) {
    return this.sites.update(sitekey, dto);
  }

  @Delete(':sitekey')
  @HttpCode(204)
  remove(@Param('sitekey', sitekeyPipe) sitekey: string) {
    return this.sites.remove(sitekey);
  }

  @Post(':sitekey/rotate-secret')
  @ApiBody({ schema: jsonSchema(rotateSecretSchema), required: false })
  rotateSecret(
    @Param('sitekey', sitekeyPipe) sitekey: string,
    @Body(new ZodValidationPipe(rotateSecretSchema)) dto: RotateSecretDto,
  ) {
    return this.sites.rotateSecret(sitekey, dto);
  }
}
