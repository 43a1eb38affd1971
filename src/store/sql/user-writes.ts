/**
 * Turns BisUser fields into user-table columns inside a write session: lookup names become keys,
 * manager ids are checked against live users, and on update only changed columns are written.
 */
import type { Knex } from "knex";
import type { BisUser, ColumnValue } from "../bis-user.js";
import type { UserTableModel } from "../store-model.js";
import { MissingReferenceError } from "../store-errors.js";
import { USER_ALIAS } from "./condition-sql.js";
import { userLockKey } from "./email-match.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { insertReturningKey } from "./inserted-key.js";
import { lookupKey } from "./lookup-keys.js";
import { liveUsers } from "./user-rows.js";

export interface WriteContext {
  readonly session: WriteSession;
  readonly model: UserTableModel;
  readonly dialect: EngineDialect;
  /** One timestamp for every row this write touches. */
  readonly now: Date;
}

/** A user as read inside the write: as the store returns it, and its raw row. */
export interface CurrentUser {
  readonly user: BisUser;
  readonly row: Readonly<Record<string, unknown>>;
}

type Row = Record<string, unknown>;

/** The columns to write for `fields`: all of them on insert, those that differ on update. */
export async function rowChanges(ctx: WriteContext, fields: Readonly<Record<string, ColumnValue>>, current?: CurrentUser): Promise<Row> {
  const { model, dialect } = ctx;
  const changes: Row = {};
  for (const [column, value] of Object.entries(fields)) {
    const lookup = model.lookups.find((candidate) => candidate.column === column);
    if (lookup) {
      if (current && sameText(current.user.fields[column], value)) continue;
      const name = value === null ? "" : String(value).trim();
      changes[column] = name === "" ? null : await lookupKey(ctx.session, dialect, lookup, name);
    } else if (model.selfReferences.includes(column)) {
      if (current && comparable(current.user.fields[column]) === comparable(value)) continue;
      changes[column] = await referencedUser(ctx, column, value);
    } else {
      if (!writableColumns(model).has(column)) throw new Error(`column ${column} is not in the user table model`);
      const bound = typeof value === "boolean" ? dialect.bindBoolean(value) : value;
      if (current && comparable(current.row[column]) === comparable(bound)) continue;
      changes[column] = bound;
    }
  }
  return changes;
}

export async function insertUserRow(ctx: WriteContext, changes: Row): Promise<number> {
  const { model, dialect, session } = ctx;
  const row: Row = { ...changes };
  const stamp = dialect.bindTimestamp(ctx.now);
  if (model.createdColumn) row[model.createdColumn] = stamp;
  if (model.modifiedColumn) row[model.modifiedColumn] = stamp;
  if (model.deletedColumn) row[model.deletedColumn] = dialect.bindBoolean(false);
  if (model.createStatement) return createWithStatement(ctx, model.createStatement, row);
  return Number(await insertReturningKey(session.trx, dialect, model.table, row, model.keyColumn));
}

/**
 * The consultant's create statement, inside the same transaction and locks: every column of the
 * model is a :named parameter (null when the user has no value), and the answer must carry the
 * new key (a SELECT, RETURNING or OUTPUT row, or a procedure's result set).
 */
async function createWithStatement(ctx: WriteContext, statement: string, row: Row): Promise<number> {
  const { model } = ctx;
  const parameters: Row = Object.fromEntries(
    [model.emailColumn, ...model.columns, ...model.lookups.map((l) => l.column), model.createdColumn, model.modifiedColumn, model.deletedColumn]
      .filter((column): column is string => column !== undefined)
      .map((column) => [column, row[column] ?? null]),
  );
  const used = Object.fromEntries(Object.entries(parameters).filter(([column]) => new RegExp(`:${column}\\b`).test(statement)));
  const answer = await ctx.session.trx.raw(statement, used as Record<string, Knex.Value>);
  const key = findKey(answer, model.keyColumn);
  if (key === undefined) throw new Error(`the create statement answered no ${model.keyColumn}: it must return the new user's key`);
  return Number(key);
}

/** The key column's value in the first row of a raw answer, whatever shape the driver gives it. */
function findKey(answer: unknown, keyColumn: string, depth = 0): unknown {
  if (depth > 4 || answer === null || typeof answer !== "object") return undefined;
  if (!Array.isArray(answer)) {
    const record = answer as Record<string, unknown>;
    const found = Object.keys(record).find((k) => k.toLowerCase() === keyColumn.toLowerCase());
    if (found !== undefined) return record[found];
    return "rows" in record ? findKey(record.rows, keyColumn, depth + 1) : undefined;
  }
  for (const item of answer) {
    const found = findKey(item, keyColumn, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Writes the changed columns, and the modified stamp whenever anything about the user changed. */
export async function updateUserRow(ctx: WriteContext, key: number, changes: Row): Promise<void> {
  const { model, dialect, session } = ctx;
  const row: Row = { ...changes };
  if (model.modifiedColumn) row[model.modifiedColumn] = dialect.bindTimestamp(ctx.now);
  if (Object.keys(row).length === 0) return;
  await session.trx(model.table).where(model.keyColumn, key).update(row);
}

/** The raw row of a live user, for comparing against what an update wants to write. */
export async function currentRow(ctx: WriteContext, key: number): Promise<Row | undefined> {
  return liveUsers(ctx.session.trx, ctx.model, ctx.dialect).where(`${USER_ALIAS}.${ctx.model.keyColumn}`, key).first();
}

/** An integer key from a SCIM id; anything else names no user. */
export function parseKey(id: string | number | boolean | null | undefined): number | undefined {
  // Only the canonical form: " 1" or "01" would be a second id for user 1 (a DELETE of
  // /Users/%201 removed user 1).
  const text = String(id ?? "");
  if (!/^(0|[1-9]\d{0,9})$/.test(text)) return undefined;
  const key = Number(text);
  return key <= 2_147_483_647 ? key : undefined;
}

/**
 * A manager must be a live user of the same table. Locking it keeps a concurrent delete from
 * removing it before we commit. A user may name itself (BIS does not forbid it either).
 */
async function referencedUser(ctx: WriteContext, column: string, value: ColumnValue): Promise<number | null> {
  if (value === null || String(value).trim() === "") return null;
  const key = parseKey(typeof value === "string" ? value.trim() : value);
  if (key === undefined) throw new MissingReferenceError(column, String(value));
  await ctx.session.lock([userLockKey(key)]);
  const found = await liveUsers(ctx.session.trx, ctx.model, ctx.dialect)
    .where(`${USER_ALIAS}.${ctx.model.keyColumn}`, key)
    .first(`${USER_ALIAS}.${ctx.model.keyColumn}`);
  if (!found) throw new MissingReferenceError(column, String(value));
  return key;
}

function writableColumns(model: UserTableModel): Set<string> {
  return new Set([model.emailColumn, ...(model.activeColumn ? [model.activeColumn] : []), ...model.columns]);
}

/** Values as drivers return them (0/1, true/false, Date, number) reduced to one comparable text. */
function comparable(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** Lookup names match case-insensitively, as the lookup itself does. */
function sameText(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === null || v === undefined ? "" : String(v).trim().toLowerCase());
  return norm(a) === norm(b);
}
