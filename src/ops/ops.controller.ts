import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { MetricsService } from './metrics.service';

@ApiTags('ops')
@Controller()
export class OpsController {
  constructor(
    private readonly metrics: MetricsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @Header('Cache-Control', 'no-store')
  health() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers a query. */
  @Get('readyz')
  @Header('Cache-Control', 'no-store')
  async ready() {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new DomainError('database-unavailable', 'The database does not answer', 503);
    }
    return { status: 'ready', database: this.dataSource.options.type };
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  async prometheus(@Res() reply: FastifyReply) {
    const body = await this.metrics.render();
    await reply.header('Content-Type', this.metrics.contentType).header('Cache-Control', 'no-store').send(body);
  }
}
