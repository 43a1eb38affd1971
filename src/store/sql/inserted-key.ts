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
  switch (dialect.insertedKey) {
    case "insertId":
      // MariaDB: knex resolves to [insertId] (LAST_INSERT_ID of this connection).
      return ((await trx(table).insert(row)) as unknown[])[0];
    case "returning": {
      const result = (await trx(table).insert(row, [keyColumn])) as unknown[];
      return (result[0] as Record<string, unknown>)[keyColumn];
    }
    case "scopeIdentity": {
      const insert = trx(table).insert(row).toSQL();
      const rows = (await trx.raw(`${insert.sql}; SELECT SCOPE_IDENTITY() AS ??`, [...insert.bindings, keyColumn])) as Record<string, unknown>[];
      const key = rows[0]?.[keyColumn];
      if (key === null || key === undefined) {
        throw new Error(`${table}.${keyColumn} gave no key: the bridge needs it to be an IDENTITY column on SQL Server`);
      }
      return key;
    }
  }
}
