import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { PublicKeyInfo } from './service-key.service';
import { ServiceKeyService } from './service-key.service';

@ApiTags('keys')
@Controller('api/v1/keys')
export class KeysController {
  constructor(private readonly serviceKey: ServiceKeyService) {}

  /** The service's Ed25519 public key, which signs the model manifest and the ledger's tree heads. */
  @Get()
  @Header('Cache-Control', 'public, max-age=300')
  keys(): PublicKeyInfo {
    return this.serviceKey.info();
  }
}
