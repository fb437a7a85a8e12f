import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableForeignKey, TableIndex } from 'typeorm';

/** Written with TypeORM's schema builder rather than raw SQL so one migration serves SQLite and PostgreSQL. */
export class SitesAndTokens1764300000000 implements MigrationInterface {
  name = 'SitesAndTokens1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sites',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'sitekey', type: 'varchar', length: '64', isUnique: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'secret_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'previous_secret_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'previous_secret_expires_at', type: 'bigint', isNullable: true },
          { name: 'hostnames', type: 'text' },
          { name: 'level', type: 'varchar', length: '16' },
          { name: 'score_threshold', type: 'float' },
          { name: 'difficulty', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'sites',
      new TableIndex({ name: 'IDX_sites_previous_secret_hash', columnNames: ['previous_secret_hash'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'site_id', type: 'varchar', length: '36' },
          { name: 'hostname', type: 'varchar', length: '253' },
          { name: 'level', type: 'varchar', length: '16' },
          { name: 'score', type: 'float' },
          { name: 'action', type: 'varchar', length: '64', isNullable: true },
          { name: 'cdata', type: 'varchar', length: '255', isNullable: true },
          { name: 'challenge_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'issued_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'redeemed_at', type: 'bigint', isNullable: true },
          { name: 'redeemed_idempotency_key', type: 'varchar', length: '128', isNullable: true },
        ],
        indices: [
          { name: 'IDX_tokens_site_id', columnNames: ['site_id'] },
          { name: 'IDX_tokens_expires_at', columnNames: ['expires_at'] },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'FK_tokens_site',
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
    await queryRunner.dropTable('tokens');
    await queryRunner.dropTable('sites');
  }
}
