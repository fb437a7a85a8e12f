import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableForeignKey } from 'typeorm';

/** Liveness v2: the attempts of a challenge, derived numbers only (never a frame). */
export class LivenessAttempts1764390000000 implements MigrationInterface {
  name = 'LivenessAttempts1764390000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'liveness_attempts',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'challenge_id', type: 'varchar', length: '36' },
          { name: 'number', type: 'integer' },
          { name: 'seed', type: 'varchar', length: '32' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'next_step', type: 'integer' },
          { name: 'revealed_at', type: 'bigint' },
          { name: 'last_frame', type: 'integer' },
          { name: 'jpeg_bytes', type: 'integer' },
          { name: 'state', type: 'text' },
          { name: 'score', type: 'float', isNullable: true },
          { name: 'reasons', type: 'text', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'finished_at', type: 'bigint', isNullable: true },
        ],
        indices: [
          {
            name: 'IDX_liveness_attempts_challenge_number',
            columnNames: ['challenge_id', 'number'],
            isUnique: true,
          },
        ],
        foreignKeys: [
          // Attempts go with their challenge (retention deletes expired challenges).
          new TableForeignKey({
            name: 'FK_liveness_attempts_challenge',
            columnNames: ['challenge_id'],
            referencedTableName: 'challenges',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('liveness_attempts');
  }
}
