import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { ChallengeEntity } from '../challenges/challenge.entity';
import {
  LedgerBalanceEntity,
  LedgerCosignatureEntity,
  LedgerEntryEntity,
  LedgerHeadEntity,
  LedgerNodeEntity,
} from '../ledger/ledger.entities';
import { LivenessAttemptEntity } from '../liveness/attempts/liveness-attempt.entity';
import { LivenessEvidenceEntity } from '../liveness/review/liveness-evidence.entity';
import { JobAssignmentEntity, JobEntity } from '../peers/job.entity';
import { JobSealedEvidenceEntity } from '../peers/job-sealed-evidence.entity';
import { PeerNonceEntity } from '../peers/peer-nonce.entity';
import { PeerEntity } from '../peers/peer.entity';
import { SiteEntity } from '../sites/site.entity';
import { TokenEntity } from '../tokens/token.entity';
import { SitesAndTokens1764300000000 } from './migrations/1764300000000-sites-and-tokens';
import { Challenges1764310000000 } from './migrations/1764310000000-challenges';
import { Ledger1764320000000 } from './migrations/1764320000000-ledger';
import { PeersAndJobs1764330000000 } from './migrations/1764330000000-peers-and-jobs';
import { Committees1764340000000 } from './migrations/1764340000000-committees';
import { LivenessLevel1764350000000 } from './migrations/1764350000000-liveness-level';
import { Canaries1764360000000 } from './migrations/1764360000000-canaries';
import { JobOffers1764370000000 } from './migrations/1764370000000-job-offers';
import { Cosignatures1764380000000 } from './migrations/1764380000000-cosignatures';
import { LivenessAttempts1764390000000 } from './migrations/1764390000000-liveness-attempts';
import { LivenessReviews1764400000000 } from './migrations/1764400000000-liveness-reviews';

export const ENTITIES = [
  SiteEntity,
  TokenEntity,
  ChallengeEntity,
  LedgerEntryEntity,
  LedgerNodeEntity,
  LedgerHeadEntity,
  LedgerBalanceEntity,
  LedgerCosignatureEntity,
  PeerEntity,
  PeerNonceEntity,
  JobEntity,
  JobAssignmentEntity,
  LivenessAttemptEntity,
  LivenessEvidenceEntity,
  JobSealedEvidenceEntity,
];
export const MIGRATIONS = [
  SitesAndTokens1764300000000,
  Challenges1764310000000,
  Ledger1764320000000,
  PeersAndJobs1764330000000,
  Committees1764340000000,
  LivenessLevel1764350000000,
  Canaries1764360000000,
  JobOffers1764370000000,
  Cosignatures1764380000000,
  LivenessAttempts1764390000000,
  LivenessReviews1764400000000,
];

/** TypeORM options for the configured database; migrations, never synchronize, build the schema. */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    logging: false,
  } as const;
  if (database.type === 'postgres') {
    return { ...common, type: 'postgres', url: database.url, extra: { max: 10 } };
  }
  if (database.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(database.path)), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: database.path !== ':memory:',
    // Foreign keys are off by default in SQLite; cascades rely on them.
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    },
  };
}
