import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableColumn } from 'typeorm';

/** Jobs keep the tree head their committee was drawn from; the ledger keeps a receipt per keyed append. */
export class Committees1764340000000 implements MigrationInterface {
  name = 'Committees1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('jobs', [
      new TableColumn({ name: 'draw_head_size', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'draw_head_root', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'committee', type: 'text', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'ledger_receipts',
        columns: [
          { name: 'once_key', type: 'varchar', length: '100', isPrimary: true },
          { name: 'first_seq', type: 'integer' },
          { name: 'count', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ledger_receipts');
    for (const column of ['committee', 'draw_head_root', 'draw_head_size'])
      await queryRunner.dropColumn('jobs', column);
  }
}
