/**
 * E-mails shared by several live users (ignoring case): one GROUP BY over the user table, for
 * the reconciliation report. Legacy BIS data has such pairs; the bridge never creates them.
 */
import type { UserTableModel } from "../store-model.js";
import type { EmailGroup } from "../user-store.js";
import { USER_ALIAS } from "./condition-sql.js";
import type { EngineDialect } from "./engines/engine-dialect.js";
import { liveIdsWithEmail } from "./email-match.js";
import { liveUsers, type Db } from "./user-rows.js";

export async function duplicateEmails(db: Db, model: UserTableModel, dialect: EngineDialect, limit: number): Promise<EmailGroup[]> {
  const folded = db.raw("LOWER(??)", [`${USER_ALIAS}.${model.emailColumn}`]);
  const rows: Record<string, unknown>[] = await liveUsers(db, model, dialect)
    .select({ email: folded })
    .count({ users: "*" })
    .whereNotNull(`${USER_ALIAS}.${model.emailColumn}`)
    .groupBy(folded)
    .havingRaw("COUNT(*) > 1")
    .orderBy("email")
    .limit(limit);
  const groups: EmailGroup[] = [];
  for (const row of rows) {
    const email = String(row.email);
    groups.push({ email, ids: await liveIdsWithEmail(db, model, dialect, email) });
  }
  return groups;
}
