/** Resolves lookup names (e.g. a department name) to their keys inside the write transaction. */
import { cleanName, nameIdentity } from "../../identity/email-identity.js";
import type { LookupModel } from "../store-model.js";
import { MissingLookupError } from "../store-errors.js";
import { sameIdentity, withSameIdentity } from "./condition-sql.js";
import type { EngineDialect, WriteSession } from "./engines/engine-dialect.js";
import { insertReturningKey } from "./inserted-key.js";

/**
 * The key for `name`, creating the lookup row when the mapping allows it (null: left empty, as
 * `missing: empty` asks). The row is read
 * without a lock first, so writers naming an existing department never queue behind each
 * other; only a missing name takes the lock, and is read again under it before the insert,
 * so concurrent writers agree on one new row instead of racing into the unique index.
 */
export async function lookupKey(
  session: WriteSession,
  dialect: EngineDialect,
  lookup: LookupModel,
  sent: string,
): Promise<unknown> {
  const name = cleanName(sent);
  const existing = await existingKey(session, dialect, lookup, name);
  if (existing !== undefined) return existing;
  if (lookup.onMissing === "empty") return null;
  if (lookup.onMissing !== "create") throw new MissingLookupError(lookup.name, name);
  await session.lock([`lookup:${lookup.table}:${nameIdentity(name)}`]);
  const created = await existingKey(session, dialect, lookup, name);
  if (created !== undefined) return created;
  return insertReturningKey(session.trx, dialect, lookup.table, { [lookup.nameColumn]: name }, lookup.keyColumn);
}

/**
 * The lowest key of a row with this name by the identity rule (case in every script, width,
 * normalisation), or undefined when there is none. The name column's index finds the candidates.
 */
async function existingKey(session: WriteSession, dialect: EngineDialect, lookup: LookupModel, name: string): Promise<unknown> {
  const named = sameIdentity(lookup.nameColumn, name, dialect);
  const rows: Record<string, unknown>[] = await session.trx(lookup.table)
    .select(lookup.keyColumn, lookup.nameColumn)
    .whereRaw(named.sql, named.bindings)
    .orderBy(lookup.keyColumn);
  const [row] = withSameIdentity(rows, lookup.nameColumn, name);
  return row ? row[lookup.keyColumn] : undefined;
}
