/**
 * The one e-mail match used by findByEmail and by every duplicate check: live users whose
 * e-mail equals this one ignoring case, written so the engine's e-mail index serves it.
 */
import type { Knex } from "knex";
import type { UserTableModel } from "../store-model.js";
import { applyCondition, USER_ALIAS } from "./condition-sql.js";
import type { EngineDialect } from "./engines/engine-dialect.js";
import { liveUsers, type Db } from "./user-rows.js";

export function liveUsersWithEmail(db: Db, model: UserTableModel, dialect: EngineDialect, email: string): Knex.QueryBuilder {
  return liveUsersWhere(db, model, dialect, { column: model.emailColumn, value: email, ignoreCase: true });
}

function liveUsersWhere(db: Db, model: UserTableModel, dialect: EngineDialect, match: MatchValue): Knex.QueryBuilder {
  const builder = liveUsers(db, model, dialect);
  applyCondition(builder, { kind: "compare", field: { kind: "column", column: match.column }, op: "eq", value: match.value, ignoreCase: match.ignoreCase, caseExact: match.caseExact }, { model, dialect });
  return builder;
}

interface MatchValue {
  readonly column: string;
  readonly value: string;
  readonly ignoreCase: boolean;
  readonly caseExact?: boolean;
}

/** Keys of live users with this e-mail, in key order. */
export function liveIdsWithEmail(db: Db, model: UserTableModel, dialect: EngineDialect, email: string): Promise<string[]> {
  return liveIdsWhere(db, model, dialect, { column: model.emailColumn, value: email, ignoreCase: true });
}

/** Keys of live users whose column equals the value, in key order (the e-mail, or another matching column). */
export async function liveIdsWhere(db: Db, model: UserTableModel, dialect: EngineDialect, match: MatchValue): Promise<string[]> {
  const rows: Record<string, unknown>[] = await liveUsersWhere(db, model, dialect, match)
    .select(`${USER_ALIAS}.${model.keyColumn}`)
    .orderBy(`${USER_ALIAS}.${model.keyColumn}`);
  return rows.map((row) => String(row[model.keyColumn]));
}

export const emailLockKey = (email: string) => `email:${email.toLowerCase()}`;
export const matchLockKey = (column: string, value: string) => `match:${column}:${value.toLowerCase()}`;
export const userLockKey = (id: string | number) => `user:${id}`;
