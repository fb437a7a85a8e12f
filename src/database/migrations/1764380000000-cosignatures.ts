import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table } from 'typeorm';

/** Witnesses' co-signatures of signed tree heads (docs/ledger.md, "Witnessed heads"). */
export class Cosignatures1764380000000 implements MigrationInterface {
  name = 'Cosignatures1764380000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ledger_cosignatures',
        columns: [
          { name: 'size', type: 'integer', isPrimary: true },
          { name: 'witness', type: 'varchar', length: '128', isPrimary: true },
          { name: 'root', type: 'varchar', length: '64' },
          { name: 'timestamp', type: 'bigint' },
          { name: 'signature', type: 'text' },
          { name: 'received_at', type: 'bigint' },
        ],
        indices: [{ name: 'IDX_ledger_cosignatures_received_at', columnNames: ['received_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ledger_cosignatures');
  }
}
