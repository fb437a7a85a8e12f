import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CryptoAdapter } from '../adapters/crypto.adapter';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { DomainError, UnauthorizedError } from './domain-error';

/** Admin endpoints need `Authorization: Bearer $ADMIN_TOKEN`; without ADMIN_TOKEN they do not exist. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoAdapter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminToken;
    if (expected === null) {
      throw new DomainError('admin-api-disabled', 'The admin API is disabled: set ADMIN_TOKEN to enable it', 404);
    }
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (\S+)$/i.exec(header.trim()) : null;
    if (!match) throw new UnauthorizedError('missing-admin-token', 'Send Authorization: Bearer <ADMIN_TOKEN>');
    if (!this.crypto.constantTimeEqual(match[1], expected)) {
      throw new UnauthorizedError('invalid-admin-token', 'The admin token is not valid');
    }
    return true;
  }
}
