import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableForeignKey } from 'typeorm';

export class PeersAndJobs1764330000000 implements MigrationInterface {
  name = 'PeersAndJobs1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'peers',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'public_key', type: 'varchar', length: '64' },
          { name: 'registered_at', type: 'bigint' },
          { name: 'last_seen_at', type: 'bigint' },
          { name: 'models', type: 'text' },
          { name: 'jobs_answered', type: 'integer', default: 0 },
        ],
        indices: [{ name: 'IDX_peers_last_seen_at', columnNames: ['last_seen_at'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'peer_nonces',
        columns: [
          { name: 'peer_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'nonce', type: 'varchar', length: '128', isPrimary: true },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [{ name: 'IDX_peer_nonces_expires_at', columnNames: ['expires_at'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'jobs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'subject', type: 'varchar', length: '64', isNullable: true },
          { name: 'models', type: 'text' },
          { name: 'evidence', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'bigint' },
          { name: 'commit_deadline', type: 'bigint' },
          { name: 'reveal_deadline', type: 'bigint', isNullable: true },
          { name: 'retries', type: 'integer', default: 0 },
          { name: 'result_score', type: 'float', isNullable: true },
          { name: 'result', type: 'text', isNullable: true },
          { name: 'finalized_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          { name: 'IDX_jobs_subject', columnNames: ['subject'] },
          { name: 'IDX_jobs_status', columnNames: ['status'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'job_assignments',
        columns: [
          { name: 'job_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'peer_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'assigned_at', type: 'bigint' },
          { name: 'commitment', type: 'varchar', length: '64', isNullable: true },
          { name: 'committed_at', type: 'bigint', isNullable: true },
          { name: 'verdict', type: 'text', isNullable: true },
          { name: 'salt', type: 'varchar', length: '128', isNullable: true },
          { name: 'revealed_at', type: 'bigint', isNullable: true },
        ],
        indices: [{ name: 'IDX_job_assignments_peer_status', columnNames: ['peer_id', 'status'] }],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_job_assignments_job',
            columnNames: ['job_id'],
            referencedTableName: 'jobs',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
          new TableForeignKey({
            name: 'FK_job_assignments_peer',
            columnNames: ['peer_id'],
            referencedTableName: 'peers',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['job_assignments', 'jobs', 'peer_nonces', 'peers']) await queryRunner.dropTable(table);
  }
}
