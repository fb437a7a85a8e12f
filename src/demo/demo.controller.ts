import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DemoPage, DemoQuery } from './demo.service';
import { DemoService } from './demo.service';

/** `/demo`: a signup page using the demo site, and its backend (not part of the API document). */
@ApiExcludeController()
@Controller('demo')
export class DemoController {
  constructor(private readonly demo: DemoService) {}

  @Get()
  async form(@Query() query: DemoQuery, @Res() reply: FastifyReply): Promise<void> {
    await send(reply, await this.demo.form(query));
  }

  @Post('signup')
  async signup(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    await send(reply, await this.demo.signup(form, request.clientIp));
  }
}

async function send(reply: FastifyReply, page: DemoPage): Promise<void> {
  await reply
    .status(page.status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Content-Security-Policy', page.csp)
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .send(page.html);
}
