import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';

/** Sites choose their liveness threshold and camera-less fallback; tokens keep the liveness verdict's summary. */
export class LivenessLevel1764350000000 implements MigrationInterface {
  name = 'LivenessLevel1764350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sites', [
      new TableColumn({ name: 'liveness_threshold', type: 'float', isNullable: true }),
      new TableColumn({ name: 'liveness_fallback', type: 'boolean', default: false }),
    ]);
    await queryRunner.addColumns('tokens', [
      new TableColumn({ name: 'liveness_score', type: 'float', isNullable: true }),
      new TableColumn({ name: 'liveness_reasons', type: 'text', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['liveness_reasons', 'liveness_score']) await queryRunner.dropColumn('tokens', column);
    for (const column of ['liveness_fallback', 'liveness_threshold']) await queryRunner.dropColumn('sites', column);
  }
}
