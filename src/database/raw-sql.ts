import type { ObjectLiteral, QueryResult, Repository } from 'typeorm';

const numberedPlaceholders = new Map<string, string>();

/**
 * Runs one hand-written statement with `?` placeholders on SQLite or PostgreSQL and returns its rows
 * (an UPDATE's too, with RETURNING). For hot paths only: TypeORM's query builders cost more than the
 * query itself, and on SQLite they inline numbers into the SQL text, so that every call prepares a new
 * statement instead of reusing a cached one.
 */
export async function queryRows(
  repository: Repository<ObjectLiteral>,
  sql: string,
  parameters: readonly unknown[],
): Promise<Record<string, unknown>[]> {
  const dataSource = repository.manager.connection;
  const text = dataSource.options.type === 'postgres' ? toNumberedPlaceholders(sql) : sql;
  const runner = dataSource.createQueryRunner();
  try {
    const result = (await runner.query(text, [...parameters], true)) as QueryResult;
    return (result.records ?? []) as Record<string, unknown>[];
  } finally {
    await runner.release();
  }
}

/** Turns a row of `SELECT *` or `RETURNING *` into an entity, through the columns' types and transformers. */
export function hydrate<T extends ObjectLiteral>(repository: Repository<T>, row: Record<string, unknown>): T {
  const driver = repository.manager.connection.driver;
  const entity = repository.create();
  for (const column of repository.metadata.columns) {
    column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}

/** PostgreSQL numbers its placeholders: `?` becomes `$1`, `$2`, ... (the statements here quote no `?`). */
function toNumberedPlaceholders(sql: string): string {
  let text = numberedPlaceholders.get(sql);
  if (text === undefined) {
    let index = 0;
    text = sql.replace(/\?/g, () => `$${++index}`);
    numberedPlaceholders.set(sql, text);
  }
  return text;
}

const DELETE_BATCH = 1000;

/**
 * Deletes the rows of `table` that match `condition` (with `?` placeholders), at most DELETE_BATCH at a time
 * by their single-column key, so a clean-up of a large backlog never holds the write lock for long. Returns
 * how many rows went. Safe to run from several instances at once: a row deleted by one is skipped by another.
 */
export async function deleteInBatches(
  repository: Repository<ObjectLiteral>,
  table: string,
  key: string,
  condition: string,
  parameters: readonly unknown[],
): Promise<number> {
  const sql =
    `DELETE FROM ${table} WHERE ${key} IN ` +
    `(SELECT ${key} FROM ${table} WHERE ${condition} LIMIT ${DELETE_BATCH}) RETURNING ${key}`;
  let total = 0;
  for (;;) {
    const deleted = (await queryRows(repository, sql, parameters)).length;
    total += deleted;
    if (deleted < DELETE_BATCH) return total;
  }
}
