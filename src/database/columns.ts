import type { ColumnOptions } from 'typeorm';
import { Column } from 'typeorm';

/**
 * Times are stored as integer milliseconds since the epoch: the same comparisons work on SQLite and
 * PostgreSQL, with no timezone conversion in either driver. pg returns bigint as a string, hence the
 * transformer.
 */
export function EpochMsColumn(options: Pick<ColumnOptions, 'name' | 'nullable'> = {}): PropertyDecorator {
  return Column({
    type: 'bigint',
    ...options,
    transformer: {
      to: (value: number | null | undefined) => value,
      from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
    },
  });
}

/** JSON stored as text, so one entity definition serves SQLite and PostgreSQL. */
export function JsonTextColumn(options: Pick<ColumnOptions, 'name' | 'nullable'> = {}): PropertyDecorator {
  return Column({
    type: 'text',
    ...options,
    transformer: {
      to: (value: unknown) => (value === null || value === undefined ? value : JSON.stringify(value)),
      from: (value: string | null) => (value === null || value === undefined ? null : JSON.parse(value)),
    },
  });
}
