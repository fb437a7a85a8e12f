import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableColumn, TableForeignKey } from 'typeorm';

/**
 * Liveness reviews by peer committees (docs/ledger.md, "Liveness reviews"): the levels a site has reviewed,
 * an attempt's frames kept encrypted until it ends, and a job's evidence sealed for its committee until the
 * job ends. Both evidence tables hold ciphertext only, and rows leave with what they belong to.
 */
export class LivenessReviews1764400000000 implements MigrationInterface {
  name = 'LivenessReviews1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('sites', new TableColumn({ name: 'review_levels', type: 'text', default: "'[]'" }));
    await queryRunner.createTable(
      new Table({
        name: 'liveness_evidence',
        columns: [
          { name: 'attempt_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'step', type: 'integer', isPrimary: true },
          { name: 'sealed', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'IDX_liveness_evidence_created_at', columnNames: ['created_at'] }],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_liveness_evidence_attempt',
            columnNames: ['attempt_id'],
            referencedTableName: 'liveness_attempts',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'job_sealed_evidence',
        columns: [
          { name: 'job_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'box', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_job_sealed_evidence_job',
            columnNames: ['job_id'],
            referencedTableName: 'jobs',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('job_sealed_evidence');
    await queryRunner.dropTable('liveness_evidence');
    await queryRunner.dropColumn('sites', 'review_levels');
  }
}
