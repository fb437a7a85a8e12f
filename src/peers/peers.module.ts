import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RateLimitGuard } from '../common/rate-limit.guard';
import { ModelsModule } from '../models/models.module';
import { AuditJobsService } from './audit-jobs.service';
import { JobAssignmentEntity, JobEntity } from './job.entity';
import { JobLifecycleService } from './job-lifecycle.service';
import { JobNotifier } from './job-notifier';
import { JobSweeperService } from './job-sweeper.service';
import { JobsService } from './jobs.service';
import { PeerAuthGuard } from './peer-auth.guard';
import { PeerNonceEntity } from './peer-nonce.entity';
import { PeerEntity } from './peer.entity';
import { PeerNoncesService } from './peer-nonces.service';
import { PeersController } from './peers.controller';
import { PeersService } from './peers.service';

/** Verifier peers (identity, signed requests, presence) and the jobs they answer by commit and reveal. */
@Module({
  imports: [TypeOrmModule.forFeature([PeerEntity, PeerNonceEntity, JobEntity, JobAssignmentEntity]), ModelsModule],
  controllers: [PeersController],
  providers: [
    PeersService,
    PeerNoncesService,
    PeerAuthGuard,
    RateLimitGuard,
    JobNotifier,
    JobLifecycleService,
    JobsService,
    AuditJobsService,
    JobSweeperService,
  ],
  exports: [AuditJobsService, JobLifecycleService, PeersService],
})
export class PeersModule {}
