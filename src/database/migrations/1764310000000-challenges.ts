import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableForeignKey } from 'typeorm';

export class Challenges1764310000000 implements MigrationInterface {
  name = 'Challenges1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'challenges',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'site_id', type: 'varchar', length: '36' },
          { name: 'hostname', type: 'varchar', length: '253' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'level', type: 'varchar', length: '16' },
          { name: 'model_id', type: 'varchar', length: '64' },
          { name: 'model_sha256', type: 'varchar', length: '64' },
          { name: 'seed', type: 'varchar', length: '32' },
          { name: 'input_count', type: 'integer' },
          { name: 'tolerance', type: 'float' },
          { name: 'score', type: 'float' },
          { name: 'action', type: 'varchar', length: '64', isNullable: true },
          { name: 'cdata', type: 'varchar', length: '255', isNullable: true },
          { name: 'issued_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'attempted_at', type: 'bigint', isNullable: true },
          { name: 'failure_reason', type: 'varchar', length: '64', isNullable: true },
        ],
        indices: [
          { name: 'IDX_challenges_site_id', columnNames: ['site_id'] },
          { name: 'IDX_challenges_expires_at', columnNames: ['expires_at'] },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_challenges_site',
            columnNames: ['site_id'],
            referencedTableName: 'sites',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('challenges');
  }
}
