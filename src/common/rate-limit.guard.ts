import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../adapters/clock.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RateLimitedError } from './domain-error';
import { SlidingWindowCounter } from './sliding-window';

const GROUP_KEY = 'peerproof:rate-limit-group';
const WINDOW_MS = 60_000;

/** Names the bucket a controller's requests count against; each group has its own per-IP budget. */
export const RateLimitGroup = (group: string) => SetMetadata(GROUP_KEY, group);

/** Per-IP limit on public endpoints (RATE_LIMIT_PER_MINUTE, 0 = off), answered with 429 and Retry-After. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly counter = new SlidingWindowCounter(WINDOW_MS);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const limit = this.config.rateLimit.perMinute;
    if (limit === 0) return true;
    const group = this.reflector.getAllAndOverride<string>(GROUP_KEY, [context.getHandler(), context.getClass()]);
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const key = `${group ?? 'default'}|${request.ip}`;
    const now = this.clock.nowMs();
    const count = this.counter.hit(key, now);
    const reply = http.getResponse<FastifyReply>();
    reply.header('RateLimit-Limit', limit);
    reply.header('RateLimit-Remaining', Math.max(0, Math.floor(limit - count)));
    if (count <= limit) return true;
    const retryAfter = Math.max(1, Math.ceil(this.counter.msUntilWindowEnd(key, now) / 1000));
    reply.header('Retry-After', retryAfter);
    throw new RateLimitedError(retryAfter);
  }
}
