/** PostgreSQL: information_schema for columns, pg_index for indexes (expressions included). */
import type { Knex } from "knex";
import { assembleTables, type TableInfo } from "./database-schema.js";

interface ColumnRow { table_name: string; column_name: string; data_type: string; is_nullable: string; character_maximum_length: number | null; column_default: string | null; is_identity: string }
interface IndexRow { table_name: string; index_name: string; is_unique: boolean; is_primary: boolean; columns: string[] }

export async function postgresSchema(db: Knex): Promise<TableInfo[]> {
  const columns: ColumnRow[] = (
    await db.raw(`SELECT table_name, column_name, data_type, is_nullable, character_maximum_length, column_default, is_identity
                  FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
  ).rows;
  // One key per index position: a column name, or the expression's text for expression indexes.
  const indexes: IndexRow[] = (
    await db.raw(`SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique, x.indisprimary AS is_primary,
                         ARRAY(SELECT pg_get_indexdef(x.indexrelid, k + 1, true) FROM generate_subscripts(x.indkey, 1) AS k ORDER BY k) AS columns
                  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                  WHERE t.relnamespace = current_schema()::regnamespace ORDER BY t.relname, i.relname`)
  ).rows;
  return assembleTables(
    columns.map((c) => ({
      table: c.table_name,
      name: c.column_name,
      type: c.data_type.toLowerCase(),
      nullable: c.is_nullable === "YES",
      ...(c.character_maximum_length !== null && { maxLength: c.character_maximum_length }),
      generated: c.column_default !== null || c.is_identity === "YES",
    })),
    indexes.flatMap((i) => i.columns.map((column) => ({ table: i.table_name, index: i.index_name, unique: i.is_unique, primary: i.is_primary, column: unquote(column) }))),
  );
}

/** pg_get_indexdef quotes mixed-case names: "Email" -> Email; expressions stay as written. */
function unquote(key: string): string {
  return /^"[^"]+"$/.test(key) ? key.slice(1, -1) : key;
}
