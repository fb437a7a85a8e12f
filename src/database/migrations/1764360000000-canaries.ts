import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';

/** Canary jobs keep what the service planted in them, to settle against. */
export class Canaries1764360000000 implements MigrationInterface {
  name = 'Canaries1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('jobs', new TableColumn({ name: 'canary', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('jobs', 'canary');
  }
}
