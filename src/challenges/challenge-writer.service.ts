import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ChallengeEntity } from './challenge.entity';

const COLUMNS: ReadonlyArray<[column: string, property: keyof ChallengeEntity]> = [
  ['id', 'id'],
  ['site_id', 'siteId'],
  ['hostname', 'hostname'],
  ['status', 'status'],
  ['level', 'level'],
  ['model_id', 'modelId'],
  ['model_sha256', 'modelSha256'],
  ['seed', 'seed'],
  ['input_count', 'inputCount'],
  ['tolerance', 'tolerance'],
  ['score', 'score'],
  ['action', 'action'],
  ['cdata', 'cdata'],
  ['issued_at', 'issuedAt'],
  ['expires_at', 'expiresAt'],
  ['attempted_at', 'attemptedAt'],
  ['failure_reason', 'failureReason'],
];
const MAX_BATCH = 500;

interface Pending {
  row: ChallengeEntity;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for new challenges: inserts requested in the same turn of the event loop go to the
 * database as one multi-row INSERT, and each caller's promise settles when its row is committed, so a
 * challenge is never handed out before it is durable. Under load this turns one commit per challenge
 * into one per batch, the dominant cost of issuing a challenge.
 */
@Injectable()
export class ChallengeWriter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  insert(row: ChallengeEntity): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(() => void this.flush());
    try {
      await this.write(batch.map((pending) => pending.row));
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One bad row must not fail its neighbours: retry each alone and report errors individually.
      for (const pending of batch) await this.write([pending.row]).then(pending.resolve, pending.reject);
    }
  }

  private async write(rows: ChallengeEntity[]): Promise<void> {
    const postgres = this.dataSource.options.type === 'postgres';
    const params: unknown[] = [];
    const tuples = rows.map((row) => {
      const placeholders = COLUMNS.map(([, property]) => {
        params.push(row[property]);
        return postgres ? `$${params.length}` : '?';
      });
      return `(${placeholders.join(', ')})`;
    });
    const columns = COLUMNS.map(([column]) => column).join(', ');
    await this.dataSource.query(`INSERT INTO challenges (${columns}) VALUES ${tuples.join(', ')}`, params);
  }
}
