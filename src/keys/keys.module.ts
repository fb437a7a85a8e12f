import { Module } from '@nestjs/common';
import { FileStoreAdapter } from '../adapters/file-store.adapter';
import { KeysController } from './keys.controller';
import { ServiceKeyService } from './service-key.service';

/** The service's own signing key, and its public half over HTTP. */
@Module({
  controllers: [KeysController],
  providers: [ServiceKeyService, FileStoreAdapter],
  exports: [ServiceKeyService],
})
export class KeysModule {}
