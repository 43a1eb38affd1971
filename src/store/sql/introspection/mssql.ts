/**
 * SQL Server: INFORMATION_SCHEMA.COLUMNS and sys.indexes of the default schema. Names are given
 * as declared: catalog views may spell them otherwise (Babelfish lower-cases sys.tables and
 * sys.columns), and T-SQL identifiers compare without case, so catalog names are matched to the
 * columns' names ignoring case.
 */
import type { Knex } from "knex";
import { assembleTables, type TableInfo } from "./database-schema.js";

interface ColumnRow { TABLE_NAME: string; COLUMN_NAME: string; DATA_TYPE: string; IS_NULLABLE: string; CHARACTER_MAXIMUM_LENGTH: number | null; COLUMN_DEFAULT: string | null; IS_IDENTITY: number }
interface IndexRow { TABLE_NAME: string; INDEX_NAME: string; IS_UNIQUE: boolean; IS_PRIMARY: boolean; COLUMN_NAME: string }

export const MSSQL_COLUMNS_SQL = `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.IS_NULLABLE, c.CHARACTER_MAXIMUM_LENGTH, c.COLUMN_DEFAULT,
  COLUMNPROPERTY(OBJECT_ID(QUOTENAME(c.TABLE_SCHEMA) + '.' + QUOTENAME(c.TABLE_NAME)), c.COLUMN_NAME, 'IsIdentity') AS IS_IDENTITY
FROM INFORMATION_SCHEMA.COLUMNS c JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = SCHEMA_NAME() AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`;

export const MSSQL_INDEXES_SQL = `SELECT t.name AS TABLE_NAME, i.name AS INDEX_NAME, i.is_unique AS IS_UNIQUE, i.is_primary_key AS IS_PRIMARY, col.name AS COLUMN_NAME
FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id
JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0
JOIN sys.columns col ON col.object_id = ic.object_id AND col.column_id = ic.column_id
WHERE t.schema_id = SCHEMA_ID() AND i.name IS NOT NULL ORDER BY t.name, i.name, ic.key_ordinal`;

/** A table's or column's name as declared, from any spelling of it (unknown names as given). */
export interface DeclaredNames {
  table(name: string): string;
  column(table: string, name: string): string;
}

export function declaredNames(columns: readonly { TABLE_NAME: string; COLUMN_NAME: string }[]): DeclaredNames {
  const tables = new Map<string, string>();
  const columnNames = new Map<string, string>();
  for (const c of columns) {
    tables.set(c.TABLE_NAME.toLowerCase(), c.TABLE_NAME);
    columnNames.set(`${c.TABLE_NAME.toLowerCase()}.${c.COLUMN_NAME.toLowerCase()}`, c.COLUMN_NAME);
  }
  return {
    table: (name) => tables.get(name.toLowerCase()) ?? name,
    column: (table, name) => columnNames.get(`${table.toLowerCase()}.${name.toLowerCase()}`) ?? name,
  };
}

/** The declared names of the default schema's tables and columns. */
export async function readDeclaredNames(db: Knex): Promise<DeclaredNames> {
  return declaredNames(await db.raw(MSSQL_COLUMNS_SQL));
}

export async function mssqlSchema(db: Knex): Promise<TableInfo[]> {
  const columns: ColumnRow[] = await db.raw(MSSQL_COLUMNS_SQL);
  const names = declaredNames(columns);
  const indexes: IndexRow[] = (await db.raw(MSSQL_INDEXES_SQL) as IndexRow[]).map((i) => ({
    ...i,
    TABLE_NAME: names.table(i.TABLE_NAME),
    COLUMN_NAME: names.column(i.TABLE_NAME, i.COLUMN_NAME),
  }));
  return assembleTables(
    columns.map((c) => ({
      table: c.TABLE_NAME,
      name: c.COLUMN_NAME,
      type: c.DATA_TYPE.toLowerCase(),
      nullable: c.IS_NULLABLE === "YES",
      // -1 is (max): no limit worth checking.
      ...(c.CHARACTER_MAXIMUM_LENGTH !== null && c.CHARACTER_MAXIMUM_LENGTH > 0 && { maxLength: c.CHARACTER_MAXIMUM_LENGTH }),
      generated: c.COLUMN_DEFAULT !== null || c.IS_IDENTITY === 1,
    })),
    indexes.map((i) => ({ table: i.TABLE_NAME, index: i.INDEX_NAME, unique: Boolean(i.IS_UNIQUE), primary: Boolean(i.IS_PRIMARY), column: i.COLUMN_NAME })),
  );
}
