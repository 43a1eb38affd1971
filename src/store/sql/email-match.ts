/**
 * The one e-mail match used by findByEmail and by every duplicate check: live users whose
 * e-mail is the same mailbox as this one (src/identity: trimmed, NFC, case folded in every
 * script). The engine is asked, through its e-mail index, for the spellings its own
 * case-insensitive comparison may not fold; the identity rule then decides on the few rows it
 * answers, so engines whose collations fold more (MariaDB ignores accents and trailing spaces)
 * or less (SQLite's NOCASE is ASCII only) all decide alike.
 */
import type { Knex } from "knex";
import { emailIdentity } from "../../identity/email-identity.js";
import type { UserTableModel } from "../store-model.js";
import { applyCondition, sameIdentity, USER_ALIAS, withSameIdentity } from "./condition-sql.js";
import type { EngineDialect } from "./engines/engine-dialect.js";
import { liveUsers, type Db } from "./user-rows.js";

/** Live users whose e-mail may be this mailbox: a superset, served by the e-mail index. */
export function liveUsersWithEmail(db: Db, model: UserTableModel, dialect: EngineDialect, email: string): Knex.QueryBuilder {
  const column = `${USER_ALIAS}.${model.emailColumn}`;
  const mailbox = sameIdentity(column, email, dialect);
  return liveUsers(db, model, dialect).whereNotNull(column).whereRaw(mailbox.sql, mailbox.bindings);
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

/** Keys of live users with this mailbox, in key order. */
export async function liveIdsWithEmail(db: Db, model: UserTableModel, dialect: EngineDialect, email: string): Promise<string[]> {
  const rows: Record<string, unknown>[] = await liveUsersWithEmail(db, model, dialect, email)
    .select(`${USER_ALIAS}.${model.keyColumn}`, `${USER_ALIAS}.${model.emailColumn}`)
    .orderBy(`${USER_ALIAS}.${model.keyColumn}`);
  return withSameIdentity(rows, model.emailColumn, email).map((row) => String(row[model.keyColumn]));
}

/** Keys of live users whose column equals the value, in key order (the e-mail, or another matching column). */
export async function liveIdsWhere(db: Db, model: UserTableModel, dialect: EngineDialect, match: MatchValue): Promise<string[]> {
  const rows: Record<string, unknown>[] = await liveUsersWhere(db, model, dialect, match)
    .select(`${USER_ALIAS}.${model.keyColumn}`)
    .orderBy(`${USER_ALIAS}.${model.keyColumn}`);
  return rows.map((row) => String(row[model.keyColumn]));
}

/** One lock per mailbox: two spellings of it wait for each other. */
export const emailLockKey = (email: string) => `email:${emailIdentity(email)}`;
export const matchLockKey = (column: string, value: string) => `match:${column}:${value.toLowerCase()}`;
export const userLockKey = (id: string | number) => `user:${id}`;
