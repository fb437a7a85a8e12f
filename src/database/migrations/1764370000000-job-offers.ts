import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';

/** When a job was first handed to each assigned peer: its commit window runs from there. */
export class JobOffers1764370000000 implements MigrationInterface {
  name = 'JobOffers1764370000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'job_assignments',
      new TableColumn({ name: 'offered_at', type: 'bigint', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('job_assignments', 'offered_at');
  }
}
