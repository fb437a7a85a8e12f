import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { etagMatches } from './widget-asset';
import { WidgetAssetsService } from './widget-assets.service';

/** `/widget/*`: the loader, its stylesheet, the worker and the runtime files (not part of the API document). */
@ApiExcludeController()
@Controller('widget')
export class WidgetController {
  constructor(private readonly assets: WidgetAssetsService) {}

  @Get('*')
  async file(
    @Param('*') file: string,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.assets.answer(file, acceptEncoding);
    void reply.headers(answer.headers);
    if (etagMatches(ifNoneMatch, answer.etag)) {
      await reply.removeHeader('Content-Length').removeHeader('Content-Encoding').status(304).send();
      return;
    }
    await reply.status(200).send(answer.open());
  }
}
