import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LedgerModule } from '../ledger/ledger.module';
import { ModelsModule } from '../models/models.module';
import { AuditJobsService } from './audit-jobs.service';
import { CommitteesService } from './committees.service';
import { ConsensusService } from './consensus.service';
import { JobAssignmentEntity, JobEntity } from './job.entity';
import { JobSealedEvidenceEntity } from './job-sealed-evidence.entity';
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
import { SampleJudge } from './sample-judge.service';
import { StallMonitor } from './stall-monitor';
import { StakingService } from './staking.service';

/** Verifier peers (identity, signed requests, presence) and the jobs they answer by commit and reveal. */
@Module({
  imports: [
    TypeOrmModule.forFeature([PeerEntity, PeerNonceEntity, JobEntity, JobAssignmentEntity, JobSealedEvidenceEntity]),
    ModelsModule,
    LedgerModule,
  ],
  controllers: [PeersController],
  providers: [
    PeersService,
    PeerNoncesService,
    PeerAuthGuard,
    JobNotifier,
    JobLifecycleService,
    JobsService,
    AuditJobsService,
    JobSweeperService,
    StakingService,
    CommitteesService,
    SampleJudge,
    StallMonitor,
    ConsensusService,
  ],
  exports: [AuditJobsService, ConsensusService, JobLifecycleService, PeersService, PeerNoncesService],
})
export class PeersModule {}
