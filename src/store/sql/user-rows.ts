/**
 * Reads user rows into BisUsers: lookup names through LEFT JOINs on the same query, children
 * with one query per child table for the whole page (never a query per user).
 */
import type { Knex } from "knex";
import type { BisUser, ColumnValue } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";
import { USER_ALIAS } from "./condition-sql.js";
import type { EngineDialect } from "./engines/engine-dialect.js";

export type Db = Knex | Knex.Transaction;

/** The user table, aliased, limited to live (not soft-deleted) rows. */
export function liveUsers(db: Db, model: UserTableModel, dialect: EngineDialect): Knex.QueryBuilder {
  const builder = db({ [USER_ALIAS]: model.table });
  const deleted = model.deletedColumn;
  if (deleted === undefined) return builder;
  const column = `${USER_ALIAS}.${deleted}`;
  return builder.where((live) => live.whereNull(column).orWhere(column, deletedFlag(model, dialect, false)));
}

/** The one place that decides what the soft-delete flag stores: the mapping's values, else a boolean. */
export function deletedFlag(model: UserTableModel, dialect: EngineDialect, deleted: boolean): string | number | boolean {
  if (model.deletedValues) return deleted ? model.deletedValues.deleted : model.deletedValues.live;
  return dialect.bindBoolean(deleted);
}

/** Plain columns returned in `fields`: e-mail, flags and mapped columns, each once. */
export function fieldColumns(model: UserTableModel): string[] {
  const columns = [model.emailColumn, model.activeColumn, ...model.columns, ...model.selfReferences];
  return [...new Set(columns.filter((column): column is string => column !== undefined))];
}

const lookupAlias = (index: number) => `lookup_${index}`;
const lookupNameAlias = (index: number) => `lookup_${index}_name`;

/**
 * Adds the selected columns and lookup joins to a query over `liveUsers`. `wholeRow` selects
 * every column of the user table (a write compares and rebinds them) beside the lookup names.
 */
export function selectUserColumns(builder: Knex.QueryBuilder, model: UserTableModel, options?: { wholeRow: boolean }): Knex.QueryBuilder {
  const columns = [model.keyColumn, model.createdColumn, model.modifiedColumn, ...fieldColumns(model)];
  builder.select(options?.wholeRow ? `${USER_ALIAS}.*` : [...new Set(columns)].filter(Boolean).map((column) => `${USER_ALIAS}.${column}`));
  model.lookups.forEach((lookup, index) => {
    const alias = lookupAlias(index);
    builder
      .leftJoin({ [alias]: lookup.table }, `${alias}.${lookup.keyColumn}`, `${USER_ALIAS}.${lookup.column}`)
      .select({ [lookupNameAlias(index)]: `${alias}.${lookup.nameColumn}` });
  });
  return builder;
}

/** Turns selected rows into users, loading their children in one query per child table. */
export async function toBisUsers(db: Db, model: UserTableModel, rows: readonly Record<string, unknown>[]): Promise<BisUser[]> {
  const children = await readChildren(db, model, rows.map((row) => String(row[model.keyColumn])));
  return rows.map((row) => toBisUser(model, row, children.get(String(row[model.keyColumn])) ?? emptyChildren(model)));
}

/** One selected row as a user, with children already known (read, or just written by this transaction). */
export function toBisUser(model: UserTableModel, row: Readonly<Record<string, unknown>>, children: Children): BisUser {
  const fields: Record<string, ColumnValue> = {};
  for (const column of fieldColumns(model)) fields[column] = columnValue(row[column]);
  for (const column of model.selfReferences) fields[column] = row[column] == null ? null : String(row[column]);
  model.lookups.forEach((lookup, lookupIndex) => {
    fields[lookup.column] = columnValue(row[lookupNameAlias(lookupIndex)]);
  });
  return {
    id: String(row[model.keyColumn]),
    fields,
    children,
    ...(model.createdColumn ? { created: timestamp(row[model.createdColumn]) } : {}),
    ...(model.modifiedColumn ? { modified: timestamp(row[model.modifiedColumn]) } : {}),
  };
}

type Children = Record<string, Record<string, string>>;

const emptyChildren = (model: UserTableModel): Children =>
  Object.fromEntries(model.children.map((child) => [child.name, {}]));

/** SQL Server allows ~2100 parameters per statement; pages stay well below one chunk. */
const CHUNK = 500;

async function readChildren(db: Db, model: UserTableModel, ids: readonly string[]): Promise<Map<string, Children>> {
  const byUser = new Map<string, Children>(ids.map((id) => [id, emptyChildren(model)]));
  for (const child of model.children) {
    for (let start = 0; start < ids.length; start += CHUNK) {
      const rows: Record<string, unknown>[] = await db(child.table)
        .select(child.parentColumn, child.typeColumn, child.valueColumn)
        .whereIn(child.parentColumn, ids.slice(start, start + CHUNK).map(Number));
      for (const row of rows) {
        const owner = byUser.get(String(row[child.parentColumn]));
        if (owner) owner[child.name]![String(row[child.typeColumn])] = String(row[child.valueColumn] ?? "");
      }
    }
  }
  return byUser;
}

/** A driver value as a ColumnValue: dates (non-DATE columns) as ISO text, big integers as text. */
function columnValue(value: unknown): ColumnValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

/** created/modified: a Date from the driver, or UTC text (SQLite), with or without a zone. */
export function timestamp(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const text = String(value).trim().replace(" ", "T");
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}
