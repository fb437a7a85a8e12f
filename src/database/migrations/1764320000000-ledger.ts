import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table } from 'typeorm';

export class Ledger1764320000000 implements MigrationInterface {
  name = 'Ledger1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ledger_entries',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'peer', type: 'varchar', length: '128', isNullable: true },
          { name: 'body', type: 'text' },
          { name: 'leaf_hash', type: 'varchar', length: '64' },
          { name: 'time', type: 'bigint' },
        ],
        indices: [{ name: 'IDX_ledger_entries_peer', columnNames: ['peer'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ledger_nodes',
        columns: [
          { name: 'level', type: 'integer', isPrimary: true },
          { name: 'idx', type: 'integer', isPrimary: true },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ledger_heads',
        columns: [
          { name: 'size', type: 'integer', isPrimary: true },
          { name: 'root', type: 'varchar', length: '64' },
          { name: 'timestamp', type: 'bigint' },
          { name: 'signature', type: 'text' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ledger_balances',
        columns: [
          { name: 'peer', type: 'varchar', length: '128', isPrimary: true },
          { name: 'balance', type: 'text' },
          { name: 'last_seq', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['ledger_balances', 'ledger_heads', 'ledger_nodes', 'ledger_entries']) {
      await queryRunner.dropTable(table);
    }
  }
}
