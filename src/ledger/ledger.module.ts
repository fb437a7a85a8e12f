import { Module } from '@nestjs/common';
import { AdminGuard } from '../common/admin.guard';
import { KeysModule } from '../keys/keys.module';
import { ServiceKeyService } from '../keys/service-key.service';
import { LedgerAdminController } from './ledger-admin.controller';
import { LedgerController } from './ledger.controller';
import { LEDGER_SIGNER, LedgerService } from './ledger.service';
import { WitnessesService } from './witnesses.service';

/** The public reputation ledger; its tree heads are signed with the service key. */
@Module({
  imports: [KeysModule],
  controllers: [LedgerController, LedgerAdminController],
  providers: [LedgerService, WitnessesService, AdminGuard, { provide: LEDGER_SIGNER, useExisting: ServiceKeyService }],
  exports: [LedgerService, WitnessesService],
})
export class LedgerModule {}
