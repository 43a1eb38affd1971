/**
 * The install's own statements for writing the user row (the mapping's write.create, .update and
 * .delete): a stored procedure call or any SQL with :Column named parameters, run on the write's
 * transaction, under its locks, in place of the generated INSERT, UPDATE or DELETE.
 */
import type { Knex } from "knex";
import { statementParameters, type WriteOperation } from "../store-model.js";
import { USER_ALIAS } from "./condition-sql.js";
import { liveUsers } from "./user-rows.js";
import type { WriteContext } from "./user-writes.js";

type Row = Record<string, unknown>;

/**
 * Creates the user row: every column of the model is a :named parameter (null when the user has
 * no value), and the answer must carry the new key (a SELECT, RETURNING or OUTPUT row, or a
 * procedure's result set).
 */
export async function createWithStatement(ctx: WriteContext, statement: string, row: Row): Promise<number> {
  const answer = await runStatement(ctx, statement, "create", row);
  const key = findKey(answer, ctx.model.keyColumn);
  if (key === undefined) throw new Error(`the create statement answered no ${ctx.model.keyColumn}: it must return the new user's key`);
  return Number(key);
}

/** Updates the user row from `state`, the user's whole new row (changed and unchanged columns). */
export async function updateWithStatement(ctx: WriteContext, statement: string, key: number, state: Row): Promise<void> {
  await runStatement(ctx, statement, "update", { ...state, [ctx.model.keyColumn]: key });
}

/** Deletes the user; it must no longer be live afterwards, or the write fails (and rolls back). */
export async function deleteWithStatement(ctx: WriteContext, statement: string, key: number): Promise<void> {
  const { model, dialect } = ctx;
  await runStatement(ctx, statement, "delete", {
    [model.keyColumn]: key,
    ...(model.modifiedColumn && { [model.modifiedColumn]: dialect.bindTimestamp(ctx.now) }),
  });
  const left = await liveUsers(ctx.session.trx, model, dialect).where(`${USER_ALIAS}.${model.keyColumn}`, key).first(`${USER_ALIAS}.${model.keyColumn}`);
  if (left) throw new Error(`the delete statement (write.delete) left user ${key} in place: it must remove the row or mark it deleted`);
}

/** Binds the parameters the statement names (null for a column without a value) and runs it. */
async function runStatement(ctx: WriteContext, statement: string, operation: WriteOperation, values: Row): Promise<unknown> {
  const parameters = Object.fromEntries(statementParameters(ctx.model, operation).map((column) => [column, values[column] ?? null]));
  const used = Object.fromEntries(Object.entries(parameters).filter(([column]) => new RegExp(`:${column}\\b`).test(statement)));
  return ctx.session.trx.raw(statement, used as Record<string, Knex.Value>);
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
