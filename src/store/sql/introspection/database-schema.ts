/** A database's tables as the consultant tools need them: columns, lengths, NULLs, indexes. */
import type { Knex } from "knex";
import type { SqlEngine } from "../sql-config.js";
import { mariadbSchema } from "./mariadb.js";
import { mssqlSchema } from "./mssql.js";
import { postgresSchema } from "./postgres.js";
import { sqliteSchema } from "./sqlite.js";

export interface ColumnInfo {
  readonly name: string;
  /** The engine's own type name, lower case (nvarchar, integer, bit, ...). */
  readonly type: string;
  readonly nullable: boolean;
  /** Character length limit, when the type has one. */
  readonly maxLength?: number;
  /** A default or identity fills it when an insert leaves it out. */
  readonly generated: boolean;
}

export interface IndexInfo {
  readonly name: string;
  /** Columns in key order; an expression (lower("Email")) appears as its text. */
  readonly columns: readonly string[];
  readonly unique: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  readonly indexes: readonly IndexInfo[];
  readonly primaryKey: readonly string[];
}

export type SchemaReader = (db: Knex) => Promise<TableInfo[]>;

const READERS: Record<SqlEngine, SchemaReader> = {
  sqlite: sqliteSchema,
  postgres: postgresSchema,
  mariadb: mariadbSchema,
  mssql: mssqlSchema,
};

/** Every user table of the connected database (the current schema on PostgreSQL and SQL Server). */
export function readDatabaseSchema(db: Knex, engine: SqlEngine): Promise<TableInfo[]> {
  return READERS[engine](db);
}

/** One column as a catalog query returns it, already in our terms. */
export interface CatalogColumn extends ColumnInfo {
  readonly table: string;
}

/** One key part of an index as a catalog query returns it, in key order. */
export interface CatalogIndexPart {
  readonly table: string;
  readonly index: string;
  readonly unique: boolean;
  readonly primary: boolean;
  readonly column: string;
}

/** Assembles tables from the flat rows of the catalog queries (information_schema and the like). */
export function assembleTables(columns: readonly CatalogColumn[], indexParts: readonly CatalogIndexPart[]): TableInfo[] {
  const indexesOf = groupBy(indexParts, (part) => part.table);
  return [...groupBy(columns, (column) => column.table)].map(([name, rows]) => {
    const indexes = [...groupBy(indexesOf.get(name) ?? [], (part) => part.index)];
    return {
      name,
      columns: rows.map(({ table: _table, ...column }) => column),
      primaryKey: indexes.find(([, parts]) => parts[0].primary)?.[1].map((p) => p.column) ?? [],
      indexes: indexes.map(([index, parts]) => ({ name: index, unique: parts[0].unique, columns: parts.map((p) => p.column) })),
    };
  });
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

/** Engines whose text comparison is case-sensitive: case-insensitive filters need lower(column) indexes there. */
export function comparesCaseSensitively(engine: SqlEngine): boolean {
  return engine === "postgres";
}

const QUOTES: Record<SqlEngine, (name: string) => string> = {
  sqlite: (name) => `"${name.replaceAll('"', '""')}"`,
  postgres: (name) => `"${name.replaceAll('"', '""')}"`,
  mariadb: (name) => `\`${name.replaceAll("`", "``")}\``,
  mssql: (name) => `[${name.replaceAll("]", "]]")}]`,
};

/**
 * Names compared with case: PostgreSQL every quoted name (the bridge quotes them all), MariaDB its
 * table names (files on a case-sensitive file system); SQLite and SQL Server (by default) none.
 */
const CASE_SENSITIVE_NAMES: Record<SqlEngine, "all" | "tables" | "none"> = { sqlite: "none", postgres: "all", mariadb: "tables", mssql: "none" };

/** What `check` needs to know of the engine: how it compares text and names, and how its DDL quotes names. */
export function checkOptionsFor(engine: SqlEngine): { needsFoldedIndexes: boolean; quote: (name: string) => string; caseSensitiveNames: "all" | "tables" | "none" } {
  return { needsFoldedIndexes: comparesCaseSensitively(engine), quote: QUOTES[engine], caseSensitiveNames: CASE_SENSITIVE_NAMES[engine] };
}
