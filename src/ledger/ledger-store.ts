import type { EntityManager } from 'typeorm';
import type { Balance } from '../protocol/ledger-entry';
import type { Hash, NodeReader } from '../protocol/merkle';

/**
 * The ledger's SQL, written by hand: appends write many rows per transaction, and TypeORM's query builders
 * cost more per row than the database does. Statements use `?` placeholders, numbered for PostgreSQL.
 */
export const toHex = (hash: Hash) => Buffer.from(hash).toString('hex');
export const fromHex = (hex: string): Hash => new Uint8Array(Buffer.from(hex, 'hex'));
const key = (level: number, index: number) => `${level}:${index}`;
const ROWS_PER_STATEMENT = 400;

export interface NodeRow {
  level: number;
  idx: number;
  hash: string;
}

export async function run(manager: EntityManager, sql: string, parameters: unknown[] = []): Promise<unknown[]> {
  const postgres = manager.connection.options.type === 'postgres';
  let index = 0;
  const text = postgres ? sql.replace(/\?/g, () => `$${++index}`) : sql;
  return (await manager.query(text, parameters)) as unknown[];
}

export async function insertRows(
  manager: EntityManager,
  table: string,
  columns: string[],
  rows: unknown[][],
  suffix = '',
) {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}${suffix}`;
    await run(manager, sql, chunk.flat());
  }
}

export async function logSize(manager: EntityManager): Promise<number> {
  const rows = (await run(manager, 'SELECT seq FROM ledger_entries ORDER BY seq DESC LIMIT 1')) as Array<{
    seq: number;
  }>;
  return rows.length === 0 ? 0 : Number(rows[0].seq) + 1;
}

/** Balances with the seq of the last entry that changed each, for the peers that have one. */
export async function loadBalances(
  manager: EntityManager,
  peers: string[],
): Promise<Map<string, { balance: Balance; lastSeq: number }>> {
  const balances = new Map<string, { balance: Balance; lastSeq: number }>();
  for (let i = 0; i < peers.length; i += ROWS_PER_STATEMENT) {
    const chunk = peers.slice(i, i + ROWS_PER_STATEMENT);
    const sql = `SELECT peer, balance, last_seq FROM ledger_balances WHERE peer IN (${chunk.map(() => '?').join(', ')})`;
    const rows = (await run(manager, sql, chunk)) as Array<{ peer: string; balance: string; last_seq: number }>;
    for (const row of rows) {
      balances.set(row.peer, { balance: JSON.parse(row.balance) as Balance, lastSeq: Number(row.last_seq) });
    }
  }
  return balances;
}

/** One row at most: whether any balance has at least `amount` staked, read from the balance's JSON in SQL. */
/**
 * Peers with at least `amount` bonded. Only peers that ever had a ledger entry have a balance row, and
 * entries start with an operator's grant, so this reads no row of a peer that merely registered.
 */
export async function peersWithStake(manager: EntityManager, amount: number): Promise<string[]> {
  const staked =
    manager.connection.options.type === 'postgres'
      ? "(balance::jsonb ->> 'staked')::numeric"
      : "CAST(json_extract(balance, '$.staked') AS INTEGER)";
  const rows = (await run(manager, `SELECT peer FROM ledger_balances WHERE ${staked} >= ?`, [amount])) as Array<{
    peer: string;
  }>;
  return rows.map((row) => row.peer);
}

export async function anyStakeOf(manager: EntityManager, amount: number): Promise<boolean> {
  const staked =
    manager.connection.options.type === 'postgres'
      ? "(balance::jsonb ->> 'staked')::numeric"
      : "CAST(json_extract(balance, '$.staked') AS INTEGER)";
  const rows = await run(manager, `SELECT 1 AS found FROM ledger_balances WHERE ${staked} >= ? LIMIT 1`, [amount]);
  return rows.length > 0;
}

export async function saveBalances(manager: EntityManager, balances: Map<string, Balance>, lastSeq: number) {
  const rows = [...balances].map(([peer, balance]) => [peer, JSON.stringify(balance), lastSeq]);
  const upsert = ' ON CONFLICT (peer) DO UPDATE SET balance = excluded.balance, last_seq = excluded.last_seq';
  await insertRows(manager, 'ledger_balances', ['peer', 'balance', 'last_seq'], rows, upsert);
}

/** A NodeReader over nodes loaded in bulk beforehand, plus nodes created during an append. */
export class NodeCache implements NodeReader {
  private readonly nodes = new Map<string, Hash>();

  async load(manager: EntityManager, wanted: Array<{ level: number; index: number }>): Promise<this> {
    const missing = wanted.filter(({ level, index }) => !this.nodes.has(key(level, index)));
    for (let i = 0; i < missing.length; i += 200) {
      const chunk = missing.slice(i, i + 200);
      const where = chunk.map(() => '(level = ? AND idx = ?)').join(' OR ');
      const parameters = chunk.flatMap(({ level, index }) => [level, index]);
      for (const row of (await run(
        manager,
        `SELECT level, idx, hash FROM ledger_nodes WHERE ${where}`,
        parameters,
      )) as NodeRow[]) {
        this.nodes.set(key(Number(row.level), Number(row.idx)), fromHex(row.hash));
      }
    }
    return this;
  }

  remember(level: number, index: number, hash: Hash): void {
    this.nodes.set(key(level, index), hash);
  }

  node(level: number, index: number): Hash {
    const hash = this.nodes.get(key(level, index));
    if (!hash) throw new Error(`ledger node ${key(level, index)} is missing from the database`);
    return hash;
  }

  /** Just these nodes, for keeping between appends. */
  subset(wanted: Array<{ level: number; index: number }>): NodeCache {
    const copy = new NodeCache();
    for (const { level, index } of wanted) copy.remember(level, index, this.node(level, index));
    return copy;
  }
}
