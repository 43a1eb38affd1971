/**
 * What BIS's e-mails look like by the identity rule, for the reconciliation report and `check`:
 * mailboxes held by several live users, and legacy e-mails not in the clean form the bridge
 * writes (surrounding spaces, NFD, fullwidth letters, invisible characters). One read of every
 * live user's key and e-mail, in pages by key, decided in code: no engine's collation can apply
 * the identity rule itself. Legacy BIS data has such rows; the bridge never creates them.
 */
import { emailIdentity, isCleanEmail } from "../../identity/email-identity.js";
import type { UserTableModel } from "../store-model.js";
import type { EmailGroup, EmailReport } from "../user-store.js";
import { USER_ALIAS } from "./condition-sql.js";
import type { EngineDialect } from "./engines/engine-dialect.js";
import { liveUsers, type Db } from "./user-rows.js";

const PAGE = 5_000;

export async function emailReport(db: Db, model: UserTableModel, dialect: EngineDialect, limit: number): Promise<EmailReport> {
  const key = `${USER_ALIAS}.${model.keyColumn}`;
  const email = `${USER_ALIAS}.${model.emailColumn}`;
  const byIdentity = new Map<string, string[]>();
  const unclean: { id: string; email: string }[] = [];
  let uncleanTotal = 0;
  let after: unknown;
  for (;;) {
    const page = liveUsers(db, model, dialect).select(key, email).whereNotNull(email).orderBy(key).limit(PAGE);
    if (after !== undefined) page.where(key, ">", after);
    const rows: Record<string, unknown>[] = await page;
    for (const row of rows) {
      const id = String(row[model.keyColumn]);
      const stored = String(row[model.emailColumn]);
      const identity = emailIdentity(stored);
      const ids = byIdentity.get(identity);
      if (ids) ids.push(id);
      else byIdentity.set(identity, [id]);
      if (!isCleanEmail(stored)) {
        uncleanTotal++;
        if (unclean.length < limit) unclean.push({ id, email: stored });
      }
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]![model.keyColumn];
  }
  const shared: EmailGroup[] = [...byIdentity.entries()]
    .filter(([, ids]) => ids.length > 1)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([identity, ids]) => ({ email: identity, ids }));
  return { sharedEmails: shared, uncleanEmails: { total: uncleanTotal, users: unclean } };
}
