/**
 * Turns BisUser fields into user-table columns inside a write session: lookup names become keys,
 * manager ids are checked against live users, and on update only changed columns are written.
 */
import { nameIdentity } from "../../identity/email-identity.js";
import type { BisUser, ColumnValue } from "../bis-user.js";
import { statementParameters, type UserTableModel } from "../store-model.js";
import { DependentRowsError, MissingReferenceError } from "../store-errors.js";
import { USER_ALIAS } from "./condition-sql.js";
import { userLockKey } from "./email-match.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { insertReturningKey } from "./inserted-key.js";
import { lookupKey } from "./lookup-keys.js";
import { deletedFlag, liveUsers } from "./user-rows.js";
import { createWithStatement, deleteWithStatement, updateWithStatement } from "./write-statements.js";

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
      const key = name === "" ? null : await lookupKey(ctx.session, dialect, lookup, name);
      // An unknown name left empty where the column is empty already changes nothing.
      if (key === null && current && current.row[column] == null) continue;
      changes[column] = key;
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
  if (model.deletedColumn) row[model.deletedColumn] = deletedFlag(model, dialect, false);
  if (model.createStatement) return createWithStatement(ctx, model.createStatement, row);
  return Number(await insertReturningKey(session.trx, dialect, model.table, row, model.keyColumn));
}

/**
 * Writes the changed columns, and the modified stamp whenever anything about the user changed.
 * The install's own update statement (write.update) gets the whole new row instead: `current`'s
 * columns with the changes over them. Returns the whole row as the UPDATE left it where the
 * engine hands it back (RETURNING); undefined means the caller must read it.
 */
export async function updateUserRow(ctx: WriteContext, key: number, changes: Row, current?: CurrentUser): Promise<Row | undefined> {
  const { model, dialect, session } = ctx;
  const row: Row = { ...changes };
  if (model.modifiedColumn) row[model.modifiedColumn] = dialect.bindTimestamp(ctx.now);
  if (model.updateStatement && current) {
    await updateWithStatement(ctx, model.updateStatement, key, { ...rebound(ctx, current.row), ...row });
    return undefined;
  }
  if (Object.keys(row).length === 0) return undefined;
  const update = session.trx(model.table).where(model.keyColumn, key);
  if (!dialect.updateReturnsRow) {
    await update.update(row);
    return undefined;
  }
  const [written] = (await update.update(row, "*")) as Row[];
  return written;
}

/** A row as read, ready to bind again: timestamps (Dates from the driver) in the engine's form. */
function rebound(ctx: WriteContext, row: Readonly<Record<string, unknown>>): Row {
  const byName = new Map(Object.entries(row).map(([column, value]) => [column.toLowerCase(), value]));
  return Object.fromEntries(
    statementParameters(ctx.model, "update").map((column) => {
      const value = byName.get(column.toLowerCase());
      return [column, value instanceof Date ? ctx.dialect.bindTimestamp(value) : value];
    }),
  );
}

/**
 * Removes the user (hard) or marks it deleted (soft) with the install's own statement
 * (write.delete), once the bridge has found it and, for hard, no dependent rows point at it.
 * False when there was no such user.
 */
export async function deleteUserWithStatement(ctx: WriteContext, key: number, mode: "soft" | "hard"): Promise<boolean> {
  const { model, session } = ctx;
  const found = mode === "soft" ? await currentRow(ctx, key) : await session.trx(model.table).where(model.keyColumn, key).first(model.keyColumn);
  if (!found) return false;
  if (mode === "hard") await refuseWithDependents(ctx, key);
  await deleteWithStatement(ctx, model.deleteStatement!, key);
  return true;
}

/** Rows in a dependents table (training records) pointing at the user forbid removing it. */
export async function refuseWithDependents(ctx: WriteContext, key: number): Promise<void> {
  for (const dependent of ctx.model.dependents) {
    const [counted] = await ctx.session.trx(dependent.table).where(dependent.column, key).count({ total: "*" });
    const total = Number((counted as { total: unknown } | undefined)?.total ?? 0);
    if (total > 0) throw new DependentRowsError(dependent.table, total);
  }
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
  const text = value instanceof Date ? value.toISOString() : String(value);
  // A DATETIME read back (a Date, or ISO text) and the same time written as "YYYY-MM-DD HH:mm:ss".
  const time = DATE_TIME.exec(text);
  if (!time) return text;
  const fraction = (time[4] ?? "").replace(/\.?0*$/, "");
  return `${time[1]} ${time[2]}:${time[3] ?? "00"}${fraction}`;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::(\d{2}))?(\.\d+)?Z?$/;

/** Lookup names match by the identity rule (src/identity), as the lookup itself does. */
function sameText(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === null || v === undefined ? "" : nameIdentity(String(v)));
  return norm(a) === norm(b);
}
