/** Inserts one row and returns the key the database generated for it. */
import type { Knex } from "knex";
import type { EngineDialect } from "./engines/engine-dialect.js";

export async function insertReturningKey(
  trx: Knex.Transaction,
  dialect: EngineDialect,
  table: string,
  row: Record<string, unknown>,
  keyColumn: string,
): Promise<unknown> {
  if (!dialect.insertReturnsKey) {
    // MariaDB: knex resolves to [insertId] (LAST_INSERT_ID of this connection).
    return ((await trx(table).insert(row)) as unknown[])[0];
  }
  // RETURNING / OUTPUT; SQL Server refuses a plain OUTPUT clause on a table with triggers.
  const result = (await trx(table).insert(row, [keyColumn], { includeTriggerModifications: true })) as unknown[];
  return (result[0] as Record<string, unknown>)[keyColumn];
}
